using System.Net.Sockets;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// virtd's unary worker calls against a fake worker on a Unix socket: the answer is read with blocking reads for a
/// short while and asynchronously after that, in whatever pieces it arrives, and a worker that is not there or closes
/// without answering is unreachable.
/// </summary>
public sealed class VmmClientTests
{
    private static readonly WorkerResponse _answer = new() { Status = new WorkerStatus { State = 5, Reason = 2, Sequence = 7 } };

    [Test]
    [CancelAfter(30_000)]
    public async Task An_answer_within_the_blocking_wait_is_returned(CancellationToken ct)
    {
        using var worker = new FakeWorker();
        var served = worker.ServeAsync(async (stream, request) =>
        {
            Assert.That(request.KindCase, Is.EqualTo(WorkerRequest.KindOneofCase.Kill));
            await WorkerWire.WriteAsync(stream, _answer, ct);
        });

        var response = await VmmClient.CallAsync(worker.Path, new WorkerRequest { Kill = new KillRequest { GraceMs = 1000 } }, ct);

        Assert.That(response, Is.EqualTo(_answer));
        await served;
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task An_answer_in_pieces_within_the_blocking_wait_is_read_piece_by_piece_after_each_poll(CancellationToken ct)
    {
        using var worker = new FakeWorker();
        var answer = new WorkerResponse { Qmp = new QmpReply { ReturnJson = "\"" + new string('y', 300) + "\"" } };
        var frame = WorkerWire.Frame(answer);
        var served = worker.ServeAsync(async (stream, _) =>
        {
            await stream.WriteAsync(frame.AsMemory(0, 10), ct);
            await Task.Delay(30, ct);
            await stream.WriteAsync(frame.AsMemory(10, 200), ct);
            await Task.Delay(30, ct);
            await stream.WriteAsync(frame.AsMemory(210), ct);
        });

        var response = await VmmClient.CallAsync(worker.Path, new WorkerRequest { Status = new StatusRequest() }, ct);

        Assert.That(response, Is.EqualTo(answer));
        await served;
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task An_answer_after_the_blocking_wait_split_inside_its_length_is_read_asynchronously(CancellationToken ct)
    {
        using var worker = new FakeWorker();
        // A body over 127 bytes, so its length takes two bytes: the first comes at once, the rest after the blocking wait.
        var answer = new WorkerResponse { Qmp = new QmpReply { ReturnJson = "\"" + new string('x', 300) + "\"" } };
        var frame = WorkerWire.Frame(answer);
        var served = worker.ServeAsync(async (stream, _) =>
        {
            await stream.WriteAsync(frame.AsMemory(0, 1), ct);
            await Task.Delay(600, ct);
            await stream.WriteAsync(frame.AsMemory(1, 100), ct);
            await Task.Delay(50, ct);
            await stream.WriteAsync(frame.AsMemory(101), ct);
        });

        var response = await VmmClient.CallAsync(worker.Path, new WorkerRequest { Status = new StatusRequest() }, ct);

        Assert.That(response, Is.EqualTo(answer));
        await served;
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_worker_that_closes_without_answering_or_is_not_there_is_unreachable(CancellationToken ct)
    {
        using (var worker = new FakeWorker())
        {
            var served = worker.ServeAsync((_, _) => Task.CompletedTask);
            var closed = Assert.ThrowsAsync<VmmUnreachableException>(() => VmmClient.CallAsync(worker.Path, new WorkerRequest { Status = new StatusRequest() }, ct))!;
            Assert.That(closed.Message, Does.Contain("closed the connection without answering"));
            await served;
        }

        var missing = Path.Combine(Path.GetTempPath(), "virt-no-worker-" + Guid.NewGuid().ToString("N") + ".sock");
        var gone = Assert.ThrowsAsync<VmmUnreachableException>(() => VmmClient.CallAsync(missing, new WorkerRequest { Status = new StatusRequest() }, ct))!;
        Assert.That(gone.Message, Does.StartWith($"The VMM worker on {missing} does not answer"));
    }

    [Test]
    public void The_answer_buffer_takes_a_message_one_byte_at_a_time_and_refuses_an_end_inside_it()
    {
        var frame = WorkerWire.Frame(_answer);
        var buffer = new AnswerBuffer();
        for (var i = 0; i < frame.Length; i++)
        {
            Assert.That(buffer.HasMessage, Is.False);
            frame.AsSpan(i, 1).CopyTo(buffer.Free.Span);
            buffer.Received(1, "w.sock");
        }
        Assert.That(buffer.HasMessage, Is.True);
        Assert.That(buffer.Message(), Is.EqualTo(_answer));

        var cut = new AnswerBuffer();
        frame.AsSpan(0, 2).CopyTo(cut.Free.Span);
        cut.Received(2, "w.sock");
        Assert.Throws<InvalidDataException>(() => cut.Received(0, "w.sock"));
    }

    /// <summary>A listening Unix socket that serves one connection with a given reply.</summary>
    private sealed class FakeWorker : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        public FakeWorker()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "virt-fake-worker-" + Guid.NewGuid().ToString("N") + ".sock");
            _listener.Bind(new UnixDomainSocketEndPoint(Path));
            _listener.Listen(1);
        }

        public string Path { get; }

        public async Task ServeAsync(Func<NetworkStream, WorkerRequest, Task> reply)
        {
            using var connection = await _listener.AcceptAsync();
            await using var stream = new NetworkStream(connection, ownsSocket: false);
            var request = await WorkerWire.ReadAsync(stream, WorkerRequest.Parser, CancellationToken.None);
            await reply(stream, request!);
        }

        public void Dispose()
        {
            _listener.Dispose();
            File.Delete(Path);
        }
    }
}
