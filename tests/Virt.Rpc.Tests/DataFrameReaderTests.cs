using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Tests.Interop;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Tests;

/// <summary>
/// The data-message reader on a pipe fed the way a transport feeds it: frames cut at every size from one byte up,
/// data messages between other messages, and streams that end inside a frame.
/// </summary>
public sealed class DataFrameReaderTests
{
    private static readonly Marshaller<EchoRequest> _marshaller = Marshallers.Create<EchoRequest>(m => m.ToByteArray(), EchoRequest.Parser.ParseFrom);

    private static readonly EchoRequest[] _messages =
    [
        new() { Text = "header" },
        Data(1, 1_000),
        Data(2, 3),
        Data(3, 70_000),
        new() { Text = "progress", Payload = ByteString.CopyFromUtf8("not data: two fields") },
        Data(4, 200),
        new() { Text = "" },
        Data(5, 129),
        Data(6, 16_384),
        new() { Text = "last" },
    ];

    [Test]
    public async Task Data_and_messages_come_out_in_order_however_the_frames_arrive(
        [Values(1, 2, 5, 6, 7, 4096, 65_536, int.MaxValue)] int pieceBytes, [Values(0, 256 << 10)] int minDataReadBytes)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var reader = new DataFrameReader<EchoRequest>(pipe.Reader, _marshaller, 1 << 20, minDataReadBytes);
        var feeding = FeedAsync(pipe.Writer, Frames(_messages), pieceBytes);

        var read = await ReadAllAsync(reader);
        await feeding;

        Assert.That(read, Is.EqualTo(Expected(_messages)));
    }

    [Test]
    public async Task Without_a_data_field_every_message_is_built_whole()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var reader = new DataFrameReader<EchoRequest>(pipe.Reader, _marshaller, 1 << 20);
        await pipe.Writer.WriteAsync(Frames(_messages));
        await pipe.Writer.CompleteAsync();

        var payloads = new List<int>();
        while ((await reader.ReadAsync(0, CancellationToken.None)) is { Kind: DataOrMessageKind.Message } read)
        {
            payloads.Add(read.Message!.Payload.Length);
        }

        Assert.That(payloads, Is.EqualTo(_messages.Select(m => m.Payload.Length)));
    }

    [Test]
    public async Task Consecutive_data_messages_that_have_arrived_come_out_as_one_read_of_at_most_a_MiB()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var reader = new DataFrameReader<EchoRequest>(pipe.Reader, _marshaller, 1 << 20);
        var many = Enumerable.Range(0, 40).Select(i => Data(i, 64 * 1024)).ToArray();
        await pipe.Writer.WriteAsync(Frames(many));
        await pipe.Writer.CompleteAsync();

        var lengths = new List<long>();
        while ((await reader.ReadAsync(EchoRequest.PayloadFieldNumber, CancellationToken.None)) is { Kind: DataOrMessageKind.Data } read)
        {
            lengths.Add(read.DataLength);
            Assert.That(read.Data, Has.Count.LessThanOrEqualTo(DataFrameReader<EchoRequest>.MaxReadPieces));
        }

        Assert.That(lengths.Sum(), Is.EqualTo(40L * 64 * 1024));
        Assert.That(lengths.Max(), Is.LessThanOrEqualTo(DataFrameReader<EchoRequest>.MaxReadBytes));
        Assert.That(lengths, Has.Count.LessThan(40), "messages merged into fewer reads");
    }

    [Test]
    public async Task A_data_message_arriving_in_HTTP2_frames_comes_out_in_reads_of_at_least_the_minimum_but_its_last()
    {
        // 64 KiB segments, as Kestrel's and the client's pipes have: with 4 KiB ones a read ends at MaxReadPieces.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 64 * 1024));
        const int Minimum = 256 << 10;
        var reader = new DataFrameReader<EchoRequest>(pipe.Reader, _marshaller, 4 << 20, Minimum);
        var dataBytes = (Minimum * 3) + 1_000;
        var feeding = FeedAsync(pipe.Writer, Frames([Data(1, dataBytes), new() { Text = "end" }]), 16_384);

        var lengths = new List<long>();
        DataOrMessage<EchoRequest> read;
        while ((read = await reader.ReadAsync(EchoRequest.PayloadFieldNumber, CancellationToken.None)).Kind == DataOrMessageKind.Data)
        {
            lengths.Add(read.DataLength);
        }
        await feeding;

        Assert.That(read.Message?.Text, Is.EqualTo("end"));
        Assert.That(lengths.Sum(), Is.EqualTo(dataBytes));
        // Each 16 KiB frame was handed out as it came before: dozens of reads, each a file write.
        Assert.That(lengths.SkipLast(1), Has.All.GreaterThanOrEqualTo(Minimum), string.Join(", ", lengths));
    }

    [TestCase(3, "frame")]
    [TestCase(6, "frame")]
    [TestCase(8, "data bytes")]
    [TestCase(1_000, "data bytes")]
    public async Task A_stream_that_ends_inside_a_message_fails_with_INTERNAL(int keepBytes, string what)
    {
        var pipe = new Pipe();
        var reader = new DataFrameReader<EchoRequest>(pipe.Reader, _marshaller, 1 << 20);
        var frame = Frames([Data(7, 5_000)]);
        await pipe.Writer.WriteAsync(frame.AsMemory(0, keepBytes));
        await pipe.Writer.CompleteAsync();

        var error = Assert.ThrowsAsync<RpcException>(async () =>
        {
            while ((await reader.ReadAsync(EchoRequest.PayloadFieldNumber, CancellationToken.None)).Kind != DataOrMessageKind.End)
            {
            }
        });

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Internal));
        Assert.That(error.Status.Detail, Does.Contain("ended inside a message").And.Contain(what));
    }

    [Test]
    public async Task A_message_over_the_limit_is_RESOURCE_EXHAUSTED_and_a_compressed_one_INTERNAL()
    {
        var big = new Pipe();
        await big.Writer.WriteAsync(Frames([Data(1, 2_000)]));
        var compressed = new Pipe();
        var frame = Frames([Data(1, 10)]);
        frame[0] = 1;
        await compressed.Writer.WriteAsync(frame);

        var tooBig = Assert.ThrowsAsync<RpcException>(async () =>
            await new DataFrameReader<EchoRequest>(big.Reader, _marshaller, 1_000).ReadAsync(EchoRequest.PayloadFieldNumber, CancellationToken.None));
        var notIdentity = Assert.ThrowsAsync<RpcException>(async () =>
            await new DataFrameReader<EchoRequest>(compressed.Reader, _marshaller, 1_000).ReadAsync(EchoRequest.PayloadFieldNumber, CancellationToken.None));

        Assert.That(tooBig!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(notIdentity!.StatusCode, Is.EqualTo(StatusCode.Internal));
        Assert.That(notIdentity.Status.Detail, Does.Contain("compressed"));
    }

    /// <summary>A data message: only the payload field, filled with a pattern that tells messages apart.</summary>
    internal static EchoRequest Data(int seed, int bytes) =>
        new() { Payload = ByteString.CopyFrom(Enumerable.Range(0, bytes).Select(i => (byte)(i * 31 + seed)).ToArray()) };

    internal static byte[] Frames(IEnumerable<EchoRequest> messages)
    {
        using var stream = new MemoryStream();
        foreach (var message in messages)
        {
            var payload = message.ToByteArray();
            var header = new byte[GrpcProtocol.FrameHeaderSize];
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)payload.Length);
            stream.Write(header);
            stream.Write(payload);
        }
        return stream.ToArray();
    }

    /// <summary>
    /// What a reader should see: runs of data bytes (consecutive data messages may merge) and the texts of the other
    /// messages, in order. A data message is one with only its payload set.
    /// </summary>
    internal static List<string> Expected(IEnumerable<EchoRequest> messages)
    {
        var expected = new List<string>();
        var run = new List<byte>();
        foreach (var message in messages)
        {
            if (message.Text.Length == 0 && message.Payload.Length > 0)
            {
                run.AddRange(message.Payload);
                continue;
            }
            CloseRun(expected, run);
            expected.Add("message:" + message.Text);
        }
        CloseRun(expected, run);
        return expected;
    }

    internal static void CloseRun(List<string> into, List<byte> run)
    {
        if (run.Count > 0)
        {
            into.Add("data:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(run.ToArray())) + ":" + run.Count);
            run.Clear();
        }
    }

    private static async Task<List<string>> ReadAllAsync(DataFrameReader<EchoRequest> reader)
    {
        var seen = new List<string>();
        var run = new List<byte>();
        while (true)
        {
            var read = await reader.ReadAsync(EchoRequest.PayloadFieldNumber, CancellationToken.None);
            if (read.Kind == DataOrMessageKind.End)
            {
                break;
            }
            if (read.Kind == DataOrMessageKind.Data)
            {
                Assert.That(read.DataLength, Is.EqualTo(read.Data.Sum(d => (long)d.Length)));
                foreach (var piece in read.Data)
                {
                    run.AddRange(piece.ToArray());
                }
                continue;
            }
            CloseRun(seen, run);
            seen.Add("message:" + read.Message!.Text);
        }
        CloseRun(seen, run);
        return seen;
    }

    private static async Task FeedAsync(PipeWriter writer, byte[] bytes, int pieceBytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += pieceBytes)
        {
            await writer.WriteAsync(bytes.AsMemory(offset, Math.Min(pieceBytes, bytes.Length - offset)));
            await Task.Yield();
        }
        await writer.CompleteAsync();
    }
}
