using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>The server enforces grpc-timeout itself, for clients that do not cancel on their own.</summary>
public sealed class ServerDeadlineTests
{
    [Test]
    public async Task Server_ends_an_overdue_call_with_deadline_exceeded_and_cancels_the_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler());
        var payload = new SleepRequest { Milliseconds = 30_000 }.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.TcpAddress, "/virt.test.v1.Interop/Sleep")) 
        {
            Content = new ByteArrayContent(frame),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "300m");

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        stopwatch.Stop();

        var status = response.Headers.TryGetValues("grpc-status", out var headerStatus)
            ? headerStatus.Single()
            : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.That(status, Is.EqualTo("4"), "DEADLINE_EXCEEDED");
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(server.Service.ActiveSleeps, Is.Zero, "the handler was not cancelled");
    }
}
