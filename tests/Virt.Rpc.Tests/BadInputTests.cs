using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// Malformed and non-gRPC input sent with a raw HTTP/2 client and raw sockets: each must end in the status the protocol
/// prescribes, and afterwards the server must still answer a normal call (nothing crashed or wedged).
/// </summary>
[TestFixture(Transport.Unix)]
[TestFixture(Transport.Tcp)]
public sealed class BadInputTests(Transport transport)
{
    private const int MaxReceive = 64 * 1024;
    private const string EchoPath = "/virt.test.v1.Interop/Echo";
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    private TestServer _server = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await TestServer.StartAsync(new RpcServerOptions { MaxReceiveMessageSize = MaxReceive });
        _http = CreateRawClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public async Task Wrong_content_type_is_415()
    {
        var reply = await PostAsync(EchoPath, Encoding.UTF8.GetBytes("""{"text":"hi"}"""), "application/json");

        Assert.That(reply.HttpStatus, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Content_type_that_only_starts_like_grpc_is_415()
    {
        var reply = await PostAsync(EchoPath, Frame(new EchoRequest().ToByteArray()), "application/grpcx");

        Assert.That(reply.HttpStatus, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Get_is_405()
    {
        using var request = NewRequest(HttpMethod.Get, EchoPath);
        using var cts = new CancellationTokenSource(_timeout);
        using var response = await _http.SendAsync(request, cts.Token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Truncated_message_is_internal()
    {
        // The header announces 100 bytes; 10 follow, then END_STREAM.
        var body = new byte[5 + 10];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), 100);

        var reply = await PostAsync(EchoPath, body);

        Assert.That(reply.HttpStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Truncated_message_on_a_client_stream_is_internal()
    {
        var good = Frame(new SumRequest { Value = 7 }.ToByteArray());
        var truncated = new byte[5 + 10];
        BinaryPrimitives.WriteUInt32BigEndian(truncated.AsSpan(1), 100);

        var reply = await PostAsync("/virt.test.v1.Interop/Sum", [.. good, .. truncated]);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Truncated_message_after_a_duplex_response_is_internal_in_the_trailers()
    {
        var good = Frame(new EchoRequest { Text = "first" }.ToByteArray());
        var truncated = new byte[5 + 10];
        BinaryPrimitives.WriteUInt32BigEndian(truncated.AsSpan(1), 100);

        var reply = await PostAsync("/virt.test.v1.Interop/Chat", [.. good, .. truncated]);

        // The first message was answered, so the response had started and the status can only go in the trailers.
        Assert.That(reply.Body, Has.Length.GreaterThan(5), reply.Describe);
        Assert.That(EchoResponse.Parser.ParseFrom(reply.Body.AsSpan(5)).Text, Is.EqualTo("first"));
        Assert.That(reply.Trailers.GetValueOrDefault("grpc-status"), Is.EqualTo("13"), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Oversized_message_on_a_client_stream_is_resource_exhausted()
    {
        var good = Frame(new SumRequest { Value = 7 }.ToByteArray());
        var oversized = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(oversized.AsSpan(1), MaxReceive + 1u);

        var reply = await PostAsync("/virt.test.v1.Interop/Sum", [.. good, .. oversized]);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.ResourceExhausted), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Truncated_message_header_is_internal()
    {
        var reply = await PostAsync(EchoPath, [0, 0, 0]);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Request_without_a_message_is_internal()
    {
        var reply = await PostAsync(EchoPath, []);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Second_message_on_a_unary_call_is_internal()
    {
        var one = Frame(new EchoRequest { Text = "a" }.ToByteArray());

        var reply = await PostAsync(EchoPath, [.. one, .. one]);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Undecodable_message_is_internal()
    {
        // Field 1 as a length-delimited string claiming 127 bytes that are not there.
        var reply = await PostAsync(EchoPath, Frame([0x0A, 0x7F, 0x41]));

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [TestCase(MaxReceive + 1u)]
    [TestCase(uint.MaxValue)]
    public async Task Message_announced_larger_than_the_limit_is_resource_exhausted(uint announced)
    {
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), announced);

        var reply = await PostAsync(EchoPath, header);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.ResourceExhausted), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Oversized_message_that_is_actually_sent_is_resource_exhausted()
    {
        // The server answers before the body has been read; the rest of the body must not wedge the connection.
        var reply = await PostAsync(EchoPath, Frame(new byte[4 * MaxReceive]));

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.ResourceExhausted), reply.Describe);
        await AssertStillServesAsync();
    }

    [TestCase("/virt.test.v1.Interop/NoSuchMethod")]
    [TestCase("/no.such.Service/Echo")]
    [TestCase("/")]
    [TestCase("/not-a-grpc-path")]
    public async Task Unknown_method_is_unimplemented(string path)
    {
        var reply = await PostAsync(path, Frame([]));

        Assert.That(reply.HttpStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Unimplemented), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Compressed_flag_without_grpc_encoding_is_internal()
    {
        var body = Frame([1, 2, 3]);
        body[0] = 1;

        var reply = await PostAsync(EchoPath, body);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Invalid_compressed_flag_is_internal()
    {
        var body = Frame([]);
        body[0] = 0x80;

        var reply = await PostAsync(EchoPath, body);

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Unsupported_grpc_encoding_is_unimplemented_and_names_identity()
    {
        var reply = await PostAsync(EchoPath, Frame([]), customize: r => r.Headers.TryAddWithoutValidation("grpc-encoding", "gzip"));

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Unimplemented), reply.Describe);
        Assert.That(reply.Header("grpc-accept-encoding"), Is.EqualTo("identity"));
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Malformed_grpc_timeout_is_internal()
    {
        var reply = await PostAsync(EchoPath, Frame([]), customize: r => r.Headers.TryAddWithoutValidation("grpc-timeout", "soon"));

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    // Eight digits of any unit are valid; beyond about 49 days a timer cannot represent the deadline, but a client
    // that sends one only means "no practical limit" and must be served.
    [TestCase("1200H")]
    [TestCase("99999999S")]
    [TestCase("99999999H")]
    public async Task Long_but_valid_grpc_timeout_is_served(string timeout)
    {
        var reply = await PostAsync(EchoPath, Frame(new EchoRequest { Text = "patient" }.ToByteArray()), customize: r => r.Headers.TryAddWithoutValidation("grpc-timeout", timeout));

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.OK), reply.Describe);
        Assert.That(EchoResponse.Parser.ParseFrom(reply.Body.AsSpan(5)).Text, Is.EqualTo("patient"));
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Malformed_binary_metadata_is_refused_as_internal_not_blamed_on_the_handler()
    {
        // grpc-go refuses such a call with INTERNAL before any handler runs (grpcio with UNAVAILABLE); UNKNOWN
        // "Exception was thrown by handler." would blame, and log as a failure of, a handler that did nothing wrong.
        var reply = await PostAsync(EchoPath, Frame([]), customize: r => r.Headers.TryAddWithoutValidation("x-token-bin", "not*base64!"));

        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.Internal), reply.Describe);
        await AssertStillServesAsync();
    }

    [TestCase("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")]
    [TestCase("POST /virt.test.v1.Interop/Echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/grpc\r\nTE: trailers\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0")]
    [TestCase("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n")]
    public async Task Http1_request_is_refused_and_the_connection_closed(string request)
    {
        var received = await SendRawAndReadUntilClosedAsync(Encoding.ASCII.GetBytes(request));

        var text = Encoding.ASCII.GetString(received);
        if (text.StartsWith("HTTP/", StringComparison.Ordinal))
        {
            // Kestrel recognises HTTP/1.x on an HTTP/2-only endpoint and says so with a 400 before closing; what
            // matters is that the request is refused, never served.
            Assert.That(text, Does.StartWith("HTTP/1.1 400 ").And.Contain("Connection: close").IgnoreCase, text);
        }
        else
        {
            AssertOnlyHttp2FramesEndingInGoAway(received);
        }
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Garbage_instead_of_the_preface_closes_the_connection()
    {
        var garbage = new byte[256];
        new Random(42).NextBytes(garbage);

        var received = await SendRawAndReadUntilClosedAsync(garbage);

        AssertOnlyHttp2FramesEndingInGoAway(received);
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Garbage_frame_after_a_valid_preface_closes_the_connection_with_goaway()
    {
        // A DATA frame on stream 0 is a connection error (PROTOCOL_ERROR) in HTTP/2.
        byte[] preface = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0];
        byte[] dataOnStreamZero = [0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];

        var received = await SendRawAndReadUntilClosedAsync([.. preface, .. dataOnStreamZero]);

        var frames = ParseFrames(received);
        Assert.That(frames.Select(f => f.Type), Does.Contain(GoAwayFrameType), "expected a GOAWAY for the protocol error");
        var goAway = frames.Last(f => f.Type == GoAwayFrameType);
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4)), Is.EqualTo(ProtocolError), "GOAWAY error code");
        await AssertStillServesAsync();
    }

    [Test]
    public async Task Connection_closed_in_the_middle_of_the_preface_is_harmless()
    {
        using (var socket = await ConnectRawAsync())
        {
            await socket.SendAsync("PRI * HTTP/2.0\r\n"u8.ToArray(), SocketFlags.None);
        }

        await AssertStillServesAsync();
    }

    private const byte GoAwayFrameType = 7;
    private const uint ProtocolError = 1;

    private async Task AssertStillServesAsync()
    {
        // On the raw client's pooled connection (the one the bad request may have used)...
        var reply = await PostAsync(EchoPath, Frame(new EchoRequest { Text = "still here" }.ToByteArray()));
        Assert.That(reply.GrpcStatus, Is.EqualTo(StatusCode.OK), reply.Describe);
        Assert.That(EchoResponse.Parser.ParseFrom(reply.Body.AsSpan(5)).Text, Is.EqualTo("still here"));

        // ...and on a fresh channel over a new connection.
        using var channel = transport == Transport.Unix ? RpcChannel.ForUnixSocket(_server.SocketPath) : RpcChannel.ForAddress(_server.TcpAddress);
        var response = await new Interop.Interop.InteropClient(channel).EchoAsync(new EchoRequest { Text = "fresh" }, deadline: DateTime.UtcNow.Add(_timeout));
        Assert.That(response.Text, Is.EqualTo("fresh"));
    }

    private HttpClient CreateRawClient()
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        if (transport == Transport.Unix)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(_server.SocketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return new HttpClient(handler)
        {
            BaseAddress = transport == Transport.Unix ? new Uri("http://localhost") : _server.TcpAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = _timeout,
        };
    }

    private static HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    private async Task<RawReply> PostAsync(string path, byte[] body, string contentType = "application/grpc", Action<HttpRequestMessage>? customize = null)
    {
        using var request = NewRequest(HttpMethod.Post, path);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        customize?.Invoke(request);
        using var cts = new CancellationTokenSource(_timeout);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cts.Token);
        Assert.That(response.Version, Is.EqualTo(HttpVersion.Version20));
        return new RawReply(
            response.StatusCode,
            Snapshot(response.Headers.Concat(response.Content.Headers)),
            Snapshot(response.TrailingHeaders),
            responseBody);
    }

    private static Dictionary<string, string> Snapshot(IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers) =>
        headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private async Task<Socket> ConnectRawAsync()
    {
        Socket socket;
        EndPoint endPoint;
        if (transport == Transport.Unix)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            endPoint = new UnixDomainSocketEndPoint(_server.SocketPath);
        }
        else
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            endPoint = _server.Server.BoundTcpEndPoints[0];
        }
        try
        {
            await socket.ConnectAsync(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends bytes on a new connection and returns everything received until the server closes it.</summary>
    private async Task<byte[]> SendRawAndReadUntilClosedAsync(byte[] data)
    {
        using var socket = await ConnectRawAsync();
        using var cts = new CancellationTokenSource(_timeout);
        await socket.SendAsync(data, SocketFlags.None, cts.Token);
        var received = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    break;
                }
                received.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A reset is a close too.
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Assert.Fail($"the server kept the connection open for {_timeout} after bad input (received {received.Count} bytes)");
        }
        return [.. received];
    }

    /// <summary>Nothing, or HTTP/2 frames of which the last is a GOAWAY: the two ways to refuse a connection.</summary>
    private static void AssertOnlyHttp2FramesEndingInGoAway(byte[] received)
    {
        if (received.Length == 0)
        {
            return;
        }
        var frames = ParseFrames(received);
        Assert.That(frames, Is.Not.Empty);
        Assert.That(frames[^1].Type, Is.EqualTo(GoAwayFrameType), "the last frame before the close should be a GOAWAY");
    }

    internal static List<(byte Type, byte[] Payload)> ParseFrames(byte[] data)
    {
        var frames = new List<(byte, byte[])>();
        var offset = 0;
        while (offset < data.Length)
        {
            Assert.That(data.Length - offset, Is.GreaterThanOrEqualTo(9), "received bytes are not whole HTTP/2 frames");
            var length = (data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2];
            Assert.That(data.Length - offset - 9, Is.GreaterThanOrEqualTo(length), "received bytes are not whole HTTP/2 frames");
            frames.Add((data[offset + 3], data[(offset + 9)..(offset + 9 + length)]));
            offset += 9 + length;
        }
        return frames;
    }

    private sealed record RawReply(HttpStatusCode HttpStatus, Dictionary<string, string> Headers, Dictionary<string, string> Trailers, byte[] Body)
    {
        /// <summary>grpc-status from the headers (Trailers-Only) or the trailers; null if neither has one.</summary>
        public StatusCode? GrpcStatus =>
            (Headers.TryGetValue("grpc-status", out var value) || Trailers.TryGetValue("grpc-status", out value)) && int.TryParse(value, out var code)
                ? (StatusCode)code
                : null;

        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        public string Describe() =>
            $"HTTP {(int)HttpStatus}; headers: {string.Join("; ", Headers.Select(h => $"{h.Key}: {h.Value}"))}; "
            + $"trailers: {string.Join("; ", Trailers.Select(h => $"{h.Key}: {h.Value}"))}; body: {Body.Length} bytes";
    }
}
