using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// Python/interop_client.py (real python3-grpcio) against our server, over TCP and over the Unix socket: one script run
/// per scenario, judged on the JSON it prints.
/// </summary>
[TestFixture(Transport.Unix)]
[TestFixture(Transport.Tcp)]
public sealed class PythonClientInteropTests(Transport transport)
{
    private PythonModules _modules = null!;
    private TestServer _server = null!;

    private string Target => transport == Transport.Unix
        ? "unix:" + _server.SocketPath
        : $"127.0.0.1:{_server.Server.BoundTcpEndPoints[0].Port}";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _modules = await PythonModules.GenerateAsync();
        _server = await TestServer.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _modules?.Dispose();
    }

    [Test]
    public async Task Unary_call_carries_text_and_binary_metadata()
    {
        var result = await RunScenarioAsync("unary");

        Assert.That(result.GetProperty("code").GetString(), Is.EqualTo("OK"));
        Assert.That(result.GetProperty("text").GetString(), Is.EqualTo("héllo"));
        Assert.That(result.GetProperty("payload").GetBytesFromBase64(), Is.EqualTo("p"u8.ToArray()));
        Assert.That(Strings(result.GetProperty("seen_metadata")), Does.Contain("x-user=alice").And.Contain("x-token-bin=<4 bytes>"));
    }

    [Test]
    public async Task Large_messages_cross_flow_control_windows_both_ways()
    {
        var result = await RunScenarioAsync("large_unary");

        Assert.That(result.GetProperty("received_bytes").GetInt32(), Is.EqualTo(3 * 1024 * 1024));
        Assert.That(result.GetProperty("identical").GetBoolean(), Is.True);
    }

    [Test]
    public async Task Error_status_carries_code_non_ascii_message_and_trailers()
    {
        var result = await RunScenarioAsync("error");

        Assert.That(result.GetProperty("code").GetString(), Is.EqualTo("NOT_FOUND"));
        Assert.That(result.GetProperty("code_value").GetInt32(), Is.EqualTo((int)StatusCode.NotFound));
        Assert.That(result.GetProperty("details").GetString(), Is.EqualTo(ClientContractTests.ErrorMessage));
        var trailers = Pairs(result.GetProperty("trailers"));
        Assert.That(trailers, Does.Contain(("x-detail", "why")));
        Assert.That(trailers, Does.Contain(("x-detail-bin", Convert.ToBase64String("why"u8))));
    }

    [Test]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        var result = await RunScenarioAsync("server_streaming");

        Assert.That(result.GetProperty("code").GetString(), Is.EqualTo("OK"));
        Assert.That(Ints(result.GetProperty("values")), Is.EqualTo(Enumerable.Range(0, 50)));
    }

    [Test]
    public async Task Server_streaming_error_arrives_after_the_messages_sent_before_it()
    {
        var result = await RunScenarioAsync("server_streaming_error");

        Assert.That(result.GetProperty("code").GetString(), Is.EqualTo("ABORTED"));
        Assert.That(result.GetProperty("details").GetString(), Is.EqualTo("failed after 3 messages"));
        Assert.That(Ints(result.GetProperty("values")), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task Client_streaming_sums_every_request()
    {
        var result = await RunScenarioAsync("client_streaming");

        Assert.That(result.GetProperty("total").GetInt64(), Is.EqualTo(5050));
        Assert.That(result.GetProperty("messages").GetInt32(), Is.EqualTo(100));
    }

    [Test]
    public async Task Bidi_streaming_answers_each_request_before_the_next_is_sent()
    {
        var result = await RunScenarioAsync("bidi");

        Assert.That(result.GetProperty("code").GetString(), Is.EqualTo("OK"));
        Assert.That(Strings(result.GetProperty("texts")), Is.EqualTo(Enumerable.Range(0, 20).Select(i => $"m{i}")));
        Assert.That(Strings(result.GetProperty("after_close")), Is.Empty);
    }

    [Test]
    public async Task Data_messages_the_server_writes_without_building_them_parse_as_ordinary_messages()
    {
        var result = await RunScenarioAsync("data_chat");

        Assert.That(result.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 127, 128, 16_383, 16_384, 16_385, 60_000 }));
        Assert.That(result.GetProperty("identical").EnumerateArray().Select(e => e.GetBoolean()), Has.All.True);
    }

    [Test]
    public async Task Deadline_is_exceeded_promptly_and_cancels_the_handler()
    {
        var result = await RunScenarioAsync("deadline");

        Assert.That(result.GetProperty("code").GetString(), Is.EqualTo("DEADLINE_EXCEEDED"));
        Assert.That(result.GetProperty("elapsed_ms").GetDouble(), Is.LessThan(2000));
        await InteropWait.UntilAsync(() => _server.Service.ActiveSleeps == 0, "the server's Sleep handler to be cancelled");
    }

    [Test]
    public async Task Reflection_is_enough_to_call_echo_without_the_proto()
    {
        var result = await RunScenarioAsync("reflection");

        Assert.That(Strings(result.GetProperty("services")), Does.Contain("virt.test.v1.Interop")
            .And.Contain("grpc.health.v1.Health")
            .And.Contain("grpc.reflection.v1alpha.ServerReflection"));
        Assert.That(Strings(result.GetProperty("files")), Does.Contain(Interop.Interop.Descriptor.File.Name));
        Assert.That(Strings(result.GetProperty("methods")), Is.EqualTo(new[] { "Echo", "Fail", "Sleep", "Count", "Sum", "Chat", "Size" }));
        Assert.That(result.GetProperty("echo_input_type").GetString(), Is.EqualTo("virt.test.v1.EchoRequest"));
        Assert.That(result.GetProperty("echo_output_type").GetString(), Is.EqualTo("virt.test.v1.EchoResponse"));
        Assert.That(Strings(result.GetProperty("echo_response_fields")), Is.EqualTo(new[] { "text", "payload", "seen_metadata" }));
        Assert.That(result.GetProperty("echo_text").GetString(), Is.EqualTo("found by reflection"));
    }

    [Test]
    public async Task Health_reports_serving_and_not_found()
    {
        var result = await RunScenarioAsync("health");

        Assert.That(result.GetProperty("overall").GetString(), Is.EqualTo("SERVING"));
        Assert.That(result.GetProperty("interop").GetString(), Is.EqualTo("SERVING"));
        Assert.That(result.GetProperty("unknown").GetString(), Is.EqualTo("NOT_FOUND"));
    }

    private async Task<JsonElement> RunScenarioAsync(string scenario)
    {
        var result = await PythonProcess.RunAsync(
            "interop_client.py", ["--target", Target, "--gen-dir", _modules.Directory, scenario], TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.That(result.ExitCode, Is.Zero, result.Describe);
        Assert.That(result.Stdout, Has.Count.EqualTo(1), result.Describe);
        using var document = JsonDocument.Parse(result.Stdout[0]);
        var root = document.RootElement.Clone();
        Assert.That(root.GetProperty("scenario").GetString(), Is.EqualTo(scenario));
        return root;
    }

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    private static List<int> Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static List<(string?, string?)> Pairs(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => (e[0].GetString(), e[1].GetString()))];
}

/// <summary>
/// Our client (<see cref="RpcChannel"/>) against Python/interop_server.py (real python3-grpcio), over TCP and over a
/// Unix socket.
/// </summary>
[TestFixture(Transport.Unix)]
[TestFixture(Transport.Tcp)]
public sealed class PythonServerInteropTests(Transport transport) : ClientContractTests
{
    private PythonModules _modules = null!;
    private PythonProcess _server = null!;
    private RpcChannel _channel = null!;
    private Interop.Interop.InteropClient _client = null!;

    protected override Interop.Interop.InteropClient Client => _client;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _modules = await PythonModules.GenerateAsync();
        string address;
        (_server, address) = await StartServerAsync();
        _channel = transport == Transport.Unix
            ? RpcChannel.ForUnixSocket(address["unix:".Length..])
            : RpcChannel.ForAddress(new Uri("http://" + address));
        _client = new Interop.Interop.InteropClient(_channel);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _modules?.Dispose();
    }

    [Test]
    public async Task Large_messages_cross_flow_control_windows_both_ways()
    {
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)(i % 251)).ToArray());

        var response = await _client.EchoAsync(new EchoRequest { Payload = payload }, deadline: Deadline());

        Assert.That(response.Payload, Is.EqualTo(payload));
    }

    [Test]
    public async Task Deadline_is_exceeded_promptly()
    {
        var stopwatch = Stopwatch.StartNew();

        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await _client.SleepAsync(new SleepRequest { Milliseconds = 10_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300)));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        // The channel is still usable after the server saw the deadline pass.
        Assert.That((await _client.EchoAsync(new EchoRequest { Text = "after" }, deadline: Deadline())).Text, Is.EqualTo("after"));
    }

    [Test]
    public async Task Client_cancellation_ends_the_call_as_cancelled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await _client.SleepAsync(new SleepRequest { Milliseconds = 10_000 }, cancellationToken: cts.Token));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Cancelled));
        Assert.That((await _client.EchoAsync(new EchoRequest { Text = "after" }, deadline: Deadline())).Text, Is.EqualTo("after"));
    }

    [Test]
    public void Unknown_method_is_unimplemented()
    {
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "virt.test.v1.Interop", "NoSuchMethod",
            Marshallers.Create<EchoRequest>(m => m.ToByteArray(), EchoRequest.Parser.ParseFrom),
            Marshallers.Create<EchoResponse>(m => m.ToByteArray(), EchoResponse.Parser.ParseFrom));

        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await _channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: Deadline()), new EchoRequest()));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
    }

    [Test]
    public async Task Python_server_stops_cleanly_at_end_of_stdin()
    {
        var (server, _) = await StartServerAsync();
        await using (server)
        {
            server.CloseStandardInput();

            Assert.That(await server.WaitForExitAsync(TimeSpan.FromSeconds(10), CancellationToken.None), Is.Zero, server.Stderr.Tail);
            Assert.That(server.Stdout.Snapshot(), Does.Contain("STOPPED"));
        }
    }

    [Test]
    public async Task Python_server_stops_cleanly_on_sigterm()
    {
        var (server, _) = await StartServerAsync();
        await using (server)
        {
            await server.TerminateAsync(CancellationToken.None);

            Assert.That(await server.WaitForExitAsync(TimeSpan.FromSeconds(10), CancellationToken.None), Is.Zero, server.Stderr.Tail);
            Assert.That(server.Stdout.Snapshot(), Does.Contain("STOPPED"));
        }
    }

    private async Task<(PythonProcess Server, string Address)> StartServerAsync()
    {
        var listen = transport == Transport.Unix
            ? "unix:" + Path.Combine(_modules.Directory, $"py-{Guid.NewGuid():N}.sock")
            : "127.0.0.1:0";
        var server = PythonProcess.Start("interop_server.py", ["--listen", listen, "--gen-dir", _modules.Directory]);
        try
        {
            var ready = await server.Stdout.WaitForLineAsync(line => line.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), CancellationToken.None);
            return (server, ready.Text["READY ".Length..]);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            var stderr = server.Stderr.Tail();
            await server.DisposeAsync();
            throw new InvalidOperationException($"interop_server.py did not report READY.\n{stderr}", ex);
        }
    }
}

/// <summary>
/// The Python modules the scripts need, generated once per fixture with Debian's protoc. Generating up front means a
/// missing python3-grpcio, protoc or grpc-proto fails set-up with the script's own explanation.
/// </summary>
internal sealed class PythonModules : IDisposable
{
    private PythonModules(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public static async Task<PythonModules> GenerateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("virt-pyinterop-").FullName;
        var result = await PythonProcess.RunAsync(
            "interop_client.py", ["--gen-dir", directory, "--generate-only"], TimeSpan.FromSeconds(60), CancellationToken.None);
        if (result.ExitCode != 0)
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw new InvalidOperationException(
                "The Python interop prerequisites (python3-grpcio, python3-protobuf, protobuf-compiler, grpc-proto; tools/setup installs them) are missing or broken.\n"
                + result.Describe());
        }
        return new PythonModules(directory);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

internal static class InteropWait
{
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), () => $"waited 5 s for {what}");
            await Task.Delay(10);
        }
    }
}
