using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// What our client must see from any conforming server, whichever server it is: every call shape, metadata, and an
/// error status with a message that needs percent-encoding. <see cref="TransportTests"/> runs it against our server
/// (Unix, TCP, in-process) and <see cref="PythonServerInteropTests"/> against python3-grpcio's.
/// </summary>
public abstract class ClientContractTests
{
    // Non-ASCII, a percent sign and a newline: everything grpc-message percent-encoding must get right.
    internal const string ErrorMessage = "domain 'vm1' not found: 100% ünïcødé\nline2";

    /// <summary>The client under test, ready after the derived fixture's one-time set-up.</summary>
    protected abstract Interop.Interop.InteropClient Client { get; }

    /// <summary>A generous deadline, so that a broken peer fails a test instead of hanging the suite.</summary>
    protected static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    [Test]
    public async Task Unary_call_carries_text_and_binary_metadata()
    {
        var headers = new Metadata { { "x-user", "alice" }, { "x-token-bin", new byte[] { 0, 1, 2, 255 } } };
        var response = await Client.EchoAsync(new EchoRequest { Text = "héllo", Payload = ByteString.CopyFromUtf8("p") }, headers, Deadline());

        Assert.That(response.Text, Is.EqualTo("héllo"));
        Assert.That(response.Payload.ToStringUtf8(), Is.EqualTo("p"));
        Assert.That(response.SeenMetadata, Does.Contain("x-user=alice").And.Contain("x-token-bin=<4 bytes>"));
    }

    [Test]
    public void Error_status_carries_code_non_ascii_message_and_trailers()
    {
        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await Client.FailAsync(new FailRequest { Code = (int)StatusCode.NotFound, Message = ErrorMessage, TrailerValue = "why" }, deadline: Deadline()));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(ex.Status.Detail, Is.EqualTo(ErrorMessage));
        Assert.That(ex.Trailers.GetValue("x-detail"), Is.EqualTo("why"));
        Assert.That(ex.Trailers.GetValueBytes("x-detail-bin"), Is.EqualTo("why"u8.ToArray()));
    }

    [Test]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        using var call = Client.Count(new CountRequest { Count = 50 }, deadline: Deadline());
        var values = new List<int>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            values.Add(message.Value);
        }

        Assert.That(values, Is.EqualTo(Enumerable.Range(0, 50)));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    [Test]
    public void Server_streaming_error_arrives_after_the_messages_sent_before_it()
    {
        using var call = Client.Count(new CountRequest { Count = 10, FailAfter = 3, FailCode = (int)StatusCode.Aborted }, deadline: Deadline());
        var values = new List<int>();

        var ex = Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                values.Add(message.Value);
            }
        });

        Assert.That(values, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Aborted));
        Assert.That(ex.Status.Detail, Is.EqualTo("failed after 3 messages"));
    }

    [Test]
    public async Task Client_streaming_sums_every_request()
    {
        using var call = Client.Sum(deadline: Deadline());
        for (var i = 1; i <= 100; i++)
        {
            await call.RequestStream.WriteAsync(new SumRequest { Value = i });
        }
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.That(response.Total, Is.EqualTo(5050));
        Assert.That(response.Messages, Is.EqualTo(100));
    }

    [Test]
    public async Task Bidi_streaming_answers_each_request_before_the_next_is_sent()
    {
        using var call = Client.Chat(deadline: Deadline());
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"m{i}" });
            Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
            Assert.That(call.ResponseStream.Current.Text, Is.EqualTo($"m{i}"));
        }
        await call.RequestStream.CompleteAsync();

        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.False);
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    [Test]
    public async Task Data_messages_read_without_building_them_arrive_whole_and_in_order_between_other_messages()
    {
        // Up to 60,000 bytes each (the server's limit is 64 KiB): every one spans several HTTP/2 DATA frames.
        EchoRequest[] sent =
        [
            new() { Text = "header" },
            DataFrameReaderTests.Data(1, 60_000),
            DataFrameReaderTests.Data(2, 1),
            DataFrameReaderTests.Data(3, 16_385),
            new() { Text = "progress" },
            .. Enumerable.Range(10, 40).Select(i => DataFrameReaderTests.Data(i, 50_000 + i)),
            new() { Text = "last" },
            DataFrameReaderTests.Data(4, 7),
        ];
        using var call = Client.Chat(deadline: Deadline());
        var writing = Task.Run(async () =>
        {
            foreach (var message in sent)
            {
                await call.RequestStream.WriteAsync(message);
            }
            await call.RequestStream.CompleteAsync();
        });

        var seen = new List<string>();
        var run = new List<byte>();
        var texts = new List<string>();
        while (true)
        {
            var read = await call.ResponseStream.ReadDataOrMessageAsync(EchoResponse.PayloadFieldNumber, m => m.Text.Length == 0 ? m.Payload : null, CancellationToken.None);
            if (read.Kind == DataOrMessageKind.End)
            {
                break;
            }
            if (read.Kind == DataOrMessageKind.Data)
            {
                run.AddRange(read.Data.SelectMany(piece => piece.ToArray()));
                continue;
            }
            DataFrameReaderTests.CloseRun(seen, run);
            seen.Add("message:" + read.Message!.Text);
            if (read.Message.Text == "progress")
            {
                // MoveNext in the middle reads on through the same buffers.
                Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
                run.AddRange(call.ResponseStream.Current.Payload);
            }
        }
        DataFrameReaderTests.CloseRun(seen, run);
        await writing;

        Assert.That(seen, Is.EqualTo(DataFrameReaderTests.Expected(sent)));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    [Test]
    public async Task Data_messages_written_without_building_them_are_the_messages_protobuf_makes()
    {
        // Against our server the echo goes back the same way (IDataMessageWriter on both ends); python3-grpcio's
        // server parses them as ordinary messages and serializes its own answers.
        var sizes = new[] { 1, 127, 128, 16_383, 16_384, 16_385, 60_000 };
        using var call = Client.Chat(deadline: Deadline());
        foreach (var (size, i) in sizes.Select((size, i) => (size, i)))
        {
            var data = DataFrameReaderTests.Data(i, size).Payload;
            await call.RequestStream.WriteDataAsync(EchoRequest.PayloadFieldNumber, data.Memory, payload => new EchoRequest { Payload = payload }, CancellationToken.None);
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"after {size}" });
            Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
            Assert.That(call.ResponseStream.Current.Payload, Is.EqualTo(data), $"{size} bytes");
            Assert.That(call.ResponseStream.Current.Text, Is.Empty);
            Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
            Assert.That(call.ResponseStream.Current.Text, Is.EqualTo($"after {size}"));
        }
        await call.RequestStream.CompleteAsync();

        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.False);
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }
}
