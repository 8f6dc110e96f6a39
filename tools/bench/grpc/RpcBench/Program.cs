using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;

namespace Virt.Bench.Rpc;

/// <summary>
/// Unary Echo over a Unix socket, our client against our server in one process: sequential latency percentiles and
/// the throughput of N concurrent callers. Prints a table, or JSON with --json.
/// </summary>
internal static class Program
{
    private const string Usage =
        "usage: RpcBench [--calls N] [--warmup N] [--duration SECONDS] [--concurrency N] [--breakdown] [--json]\n"
        + "  --calls        sequential calls timed for the latency percentiles (default 20000)\n"
        + "  --warmup       seconds of untimed calls first, so the JIT has tiered up (default 3)\n"
        + "  --duration     seconds of the concurrent throughput run (default 5)\n"
        + "  --concurrency  concurrent callers in the throughput run (default 16)\n"
        + "  --breakdown    also time variants that split our client's cost from the transport's: the call disposed,\n"
        + "                 and bare SocketsHttpHandler requests with and without a content-length\n"
        + "  --json         print one JSON object instead of the table";

    public static async Task<int> Main(string[] args)
    {
        if (!Options.TryParse(args, out var options, out var error))
        {
            await Console.Error.WriteLineAsync(error + "\n" + Usage);
            return 2;
        }
        var directory = Directory.CreateTempSubdirectory("virt-rpcbench-").FullName;
        try
        {
            var socketPath = Path.Combine(directory, "bench.sock");
            await using var server = new RpcServer();
            server.ListenUnixSocket(socketPath);
            server.AddService(Interop.BindService(new EchoService()), Interop.Descriptor);
            await server.StartAsync(CancellationToken.None);
            using var channel = RpcChannel.ForUnixSocket(socketPath);
            var client = new Interop.InteropClient(channel);
            var request = new EchoRequest { Text = "ping" };

            await WarmUpAsync(() => client.EchoAsync(request).ResponseAsync, options);
            var sequential = await MeasureSequentialAsync(() => client.EchoAsync(request).ResponseAsync, options.Calls);
            var concurrent = await MeasureConcurrentAsync(() => client.EchoAsync(request).ResponseAsync, options.Concurrency, options.Duration);

            var breakdown = new List<Breakdown>();
            if (options.Breakdown)
            {
                // Generated-code callers rarely dispose the AsyncUnaryCall; this shows what disposing it is worth.
                breakdown.Add(await MeasureVariantAsync("virt_rpc_call_disposed", async () =>
                {
                    using var call = client.EchoAsync(request);
                    await call.ResponseAsync;
                }, options));
                breakdown.Add(await MeasureBreakdownAsync(socketPath, request, options, knownLength: true));
                breakdown.Add(await MeasureBreakdownAsync(socketPath, request, options, knownLength: false));
            }
            var result = new Result(sequential, concurrent, options, breakdown);
            Console.WriteLine(options.Json ? result.ToJson() : result.ToTable());
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Calls for a while, untimed. It takes seconds, not a few thousand calls, before tiered compilation and dynamic
    /// PGO have produced the final code: after 5,000 calls the p50 was still about twice the settled one.
    /// </summary>
    private static async Task WarmUpAsync(Func<Task> call, Options options)
    {
        var end = Stopwatch.GetTimestamp() + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            await call();
        }
        // The concurrent paths (connection multiplexing, contention) have their own code to tier up.
        await MeasureConcurrentAsync(call, options.Concurrency, TimeSpan.FromSeconds(1));
    }

    private static async Task<Latency> MeasureSequentialAsync(Func<Task> call, int calls)
    {
        var samples = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetTimestamp() - start;
        }
        return Latency.From(samples);
    }

    private static async Task<Throughput> MeasureConcurrentAsync(Func<Task> call, int callers, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            var samples = new List<long>(capacity: 100_000);
            while (true)
            {
                var callStart = Stopwatch.GetTimestamp();
                if (callStart >= end)
                {
                    return samples;
                }
                await call();
                samples.Add(Stopwatch.GetTimestamp() - callStart);
            }
        })).ToArray();
        var perCaller = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var all = perCaller.SelectMany(s => s).ToArray();
        return new Throughput(callers, all.Length, elapsed, Latency.From(all));
    }

    /// <summary>
    /// The same Echo as a bare HTTP/2 request on a SocketsHttpHandler (no RpcChannel, no marshallers): what the
    /// transport and server cost alone, so that the rest of a call's time can be put on our client code. With
    /// <paramref name="knownLength"/> false the body is sent as RpcChannel sends it, without a content-length, which
    /// SocketsHttpHandler ends with a separate empty DATA frame.
    /// </summary>
    private static async Task<Breakdown> MeasureBreakdownAsync(string socketPath, EchoRequest request, Options options, bool knownLength)
    {
        var payload = request.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        var uri = new Uri("http://localhost/virt.test.v1.Interop/Echo");
        var contentType = new MediaTypeHeaderValue("application/grpc");

        async Task CallAsync()
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, uri)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = knownLength ? new ByteArrayContent(frame) : new UnknownLengthContent(frame),
            };
            message.Content.Headers.ContentType = contentType;
            message.Headers.TryAddWithoutValidation("te", "trailers");
            using var response = await invoker.SendAsync(message, CancellationToken.None);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (body.Length < 5 || !response.TrailingHeaders.TryGetValues("grpc-status", out var status) || status.First() != "0")
            {
                throw new InvalidOperationException($"bare HTTP/2 Echo failed: HTTP {(int)response.StatusCode}, {body.Length} bytes");
            }
        }

        return await MeasureVariantAsync(knownLength ? "bare_http2_content_length" : "bare_http2_no_content_length", CallAsync, options);
    }

    private static async Task<Breakdown> MeasureVariantAsync(string name, Func<Task> call, Options options)
    {
        await WarmUpAsync(call, options);
        var sequential = await MeasureSequentialAsync(call, options.Calls);
        var concurrent = await MeasureConcurrentAsync(call, options.Concurrency, options.Duration);
        return new Breakdown(name, sequential, concurrent);
    }

    private sealed class UnknownLengthContent(byte[] frame) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(frame).AsTask();

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            stream.WriteAsync(frame, cancellationToken).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private sealed class EchoService : Interop.InteropBase
    {
        public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoResponse { Text = request.Text, Payload = request.Payload });
    }
}

internal sealed record Options(int Calls, TimeSpan Warmup, TimeSpan Duration, int Concurrency, bool Breakdown, bool Json)
{
    public static bool TryParse(string[] args, out Options options, out string error)
    {
        options = new Options(20_000, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), 16, false, false);
        error = "";
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--json")
            {
                options = options with { Json = true };
                continue;
            }
            if (name == "--breakdown")
            {
                options = options with { Breakdown = true };
                continue;
            }
            if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                error = $"{name} needs a positive number";
                return false;
            }
            i++;
            switch (name)
            {
                case "--calls":
                    options = options with { Calls = (int)value };
                    break;
                case "--warmup":
                    options = options with { Warmup = TimeSpan.FromSeconds(value) };
                    break;
                case "--duration":
                    options = options with { Duration = TimeSpan.FromSeconds(value) };
                    break;
                case "--concurrency":
                    options = options with { Concurrency = (int)value };
                    break;
                default:
                    error = $"unknown option {name}";
                    return false;
            }
        }
        return true;
    }
}

internal sealed record Latency(int Calls, double MeanMicros, double P50Micros, double P90Micros, double P99Micros, double MaxMicros)
{
    public static Latency From(long[] ticks)
    {
        Array.Sort(ticks);
        double Micros(long t) => t * 1_000_000.0 / Stopwatch.Frequency;
        double Percentile(double q) => Micros(ticks[Math.Max(0, (int)Math.Ceiling(q * ticks.Length) - 1)]);
        return new Latency(ticks.Length, Micros((long)ticks.Average()), Percentile(0.50), Percentile(0.90), Percentile(0.99), Micros(ticks[^1]));
    }

    public void Write(Utf8JsonWriter json)
    {
        json.WriteNumber("calls", Calls);
        json.WriteNumber("mean_us", Math.Round(MeanMicros, 1));
        json.WriteNumber("p50_us", Math.Round(P50Micros, 1));
        json.WriteNumber("p90_us", Math.Round(P90Micros, 1));
        json.WriteNumber("p99_us", Math.Round(P99Micros, 1));
        json.WriteNumber("max_us", Math.Round(MaxMicros, 1));
    }
}

internal sealed record Throughput(int Callers, int Calls, TimeSpan Elapsed, Latency Latency)
{
    public double CallsPerSecond => Calls / Elapsed.TotalSeconds;

    public void Write(Utf8JsonWriter json)
    {
        json.WriteNumber("callers", Callers);
        json.WriteNumber("calls", Calls);
        json.WriteNumber("seconds", Math.Round(Elapsed.TotalSeconds, 3));
        json.WriteNumber("calls_per_second", Math.Round(CallsPerSecond, 0));
        json.WriteNumber("p50_us", Math.Round(Latency.P50Micros, 1));
        json.WriteNumber("p99_us", Math.Round(Latency.P99Micros, 1));
    }
}

internal sealed record Breakdown(string Name, Latency Sequential, Throughput Concurrent);

internal sealed record Result(Latency Sequential, Throughput Concurrent, Options Options, IReadOnlyList<Breakdown> Breakdown)
{
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("implementation", "virt-rpc");
            json.WriteString("transport", "unix");
            json.WriteNumber("processors", Environment.ProcessorCount);
            json.WriteStartObject("unary");
            Sequential.Write(json);
            json.WriteEndObject();
            json.WriteStartObject("concurrent");
            Concurrent.Write(json);
            json.WriteEndObject();
            foreach (var breakdown in Breakdown)
            {
                json.WriteStartObject(breakdown.Name);
                json.WriteStartObject("unary");
                breakdown.Sequential.Write(json);
                json.WriteEndObject();
                json.WriteStartObject("concurrent");
                breakdown.Concurrent.Write(json);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(c, $"virt-rpc unary Echo over a Unix socket ({Environment.ProcessorCount} CPUs)"),
            string.Create(c, $"  sequential  {Sequential.Calls,8} calls  p50 {Sequential.P50Micros,7:F1} us  p90 {Sequential.P90Micros,7:F1} us  p99 {Sequential.P99Micros,7:F1} us  mean {Sequential.MeanMicros,7:F1} us"),
            string.Create(c, $"  {Concurrent.Callers,2} callers  {Concurrent.CallsPerSecond,8:F0} calls/s  p50 {Concurrent.Latency.P50Micros,7:F1} us  p99 {Concurrent.Latency.P99Micros,7:F1} us"),
        };
        foreach (var b in Breakdown)
        {
            lines.Add(b.Name);
            lines.Add(string.Create(c, $"  sequential  {b.Sequential.Calls,8} calls  p50 {b.Sequential.P50Micros,7:F1} us  p90 {b.Sequential.P90Micros,7:F1} us  p99 {b.Sequential.P99Micros,7:F1} us  mean {b.Sequential.MeanMicros,7:F1} us"));
            lines.Add(string.Create(c, $"  {b.Concurrent.Callers,2} callers  {b.Concurrent.CallsPerSecond,8:F0} calls/s  p50 {b.Concurrent.Latency.P50Micros,7:F1} us  p99 {b.Concurrent.Latency.P99Micros,7:F1} us"));
        }
        return string.Join('\n', lines);
    }
}
