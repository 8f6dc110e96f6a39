using System.Net.Sockets;
using System.Threading.Channels;
using Virt.Qemu.Qmp;
using Virt.Vmm.Protocol;

namespace Virt.Vmm;

/// <summary>
/// The guest's serial console: the worker holds QEMU's chardev socket for the guest's whole life and
/// reads it continuously (QEMU itself appends everything to the console log, <c>logappend=on</c>), so a slow or
/// absent client never stalls the guest's serial port. One client is attached at a time; its output queue drops the
/// oldest chunks rather than block the guest. The socket is read with blocking reads on a thread of its own and
/// written with non-blocking sends (<see cref="NonBlockingSend"/>), as the monitor is (<see cref="QmpConnection.OpenOnThreadAsync"/>):
/// a booting guest's output woke .NET's socket engine and a thread-pool worker for every chunk.
/// </summary>
internal sealed class ConsoleRelay : IDisposable
{
    private const int ClientQueueChunks = 1024;

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _guestWrite = new(1, 1);
    private ConsoleClient? _attached;
    private bool _stopped;

    /// <param name="socket">The worker's end of the console chardev (<see cref="ChardevPair"/>), in blocking mode, owned from now on.</param>
    /// <param name="reader">The thread that reads it.</param>
    public ConsoleRelay(Socket socket, StandbyThread reader)
    {
        _socket = socket;
        reader.Give(ReadGuest);
    }

    /// <summary>Attaches a client; with <paramref name="force"/> the current one is closed with TAKEN_OVER.</summary>
    /// <returns>The client, or null when the console is busy (or the guest has stopped: <paramref name="stopped"/>).</returns>
    public ConsoleClient? Attach(Stream stream, bool force, out bool stopped)
    {
        ConsoleClient? previous;
        ConsoleClient client;
        lock (_lock)
        {
            stopped = _stopped;
            if (_stopped || (_attached is not null && !force))
            {
                return null;
            }
            previous = _attached;
            client = new ConsoleClient(stream);
            _attached = client;
        }
        previous?.Close(ConsoleCloseReason.TakenOver, "another client took the console over (--force)");
        return client;
    }

    public void Detach(ConsoleClient client)
    {
        lock (_lock)
        {
            if (_attached == client)
            {
                _attached = null;
            }
        }
    }

    /// <summary>Bytes typed by the attached client, to the guest.</summary>
    public async Task WriteToGuestAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _guestWrite.WaitAsync(cancellationToken);
        try
        {
            while (!data.IsEmpty)
            {
                data = data[await NonBlockingSend.SendAsync(_socket, data, null, cancellationToken)..];
            }
        }
        finally
        {
            _guestWrite.Release();
        }
    }

    /// <summary>QEMU has exited: the client is told, and no one can attach any more.</summary>
    public void GuestStopped()
    {
        ConsoleClient? client;
        lock (_lock)
        {
            _stopped = true;
            client = _attached;
            _attached = null;
        }
        client?.Close(ConsoleCloseReason.GuestStopped, "the guest has stopped");
    }

    public void Dispose()
    {
        try
        {
            // Ends the reader thread's blocking read, if QEMU has not closed its end yet.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected any more: the read has ended already.
        }
        _socket.Dispose();
        _guestWrite.Dispose();
    }

    private void ReadGuest()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = _socket.Receive(buffer, SocketFlags.None);
                if (read == 0)
                {
                    break;
                }
                ConsoleClient? client;
                lock (_lock)
                {
                    client = _attached;
                }
                client?.Send(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // QEMU went away; RecordExit closes the client.
        }
    }

    /// <summary>An attached console client: frames go out through a queue that never blocks the guest.</summary>
    internal sealed class ConsoleClient
    {
        private readonly Stream _stream;
        private readonly Channel<ConsoleFrame> _outgoing = Channel.CreateBounded<ConsoleFrame>(
            new BoundedChannelOptions(ClientQueueChunks) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConsoleClient(Stream stream)
        {
            _stream = stream;
            Completion = Task.Run(SendLoopAsync);
        }

        /// <summary>Completes when the last frame went out (after a close) or the client's connection broke.</summary>
        public Task Completion { get; }

        /// <summary>Output may flow: the attach answer is out.</summary>
        public void Start() => _started.TrySetResult();

        public void Send(byte[] data) => _outgoing.Writer.TryWrite(new ConsoleFrame { Data = Google.Protobuf.ByteString.CopyFrom(data) });

        public void Close(ConsoleCloseReason reason, string message)
        {
            _outgoing.Writer.TryWrite(new ConsoleFrame { Closed = new ConsoleClosed { Reason = reason, Message = message } });
            _outgoing.Writer.TryComplete();
        }

        /// <summary>The client left: stop sending.</summary>
        public void Abandon()
        {
            _outgoing.Writer.TryComplete();
            _started.TrySetResult();
        }

        private async Task SendLoopAsync()
        {
            await _started.Task;
            try
            {
                await foreach (var frame in _outgoing.Reader.ReadAllAsync())
                {
                    await WorkerWire.WriteAsync(_stream, frame, CancellationToken.None);
                }
                // A closed client gets the end of the stream after its last frame.
                _stream.Dispose();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                // The client is gone.
            }
        }
    }
}
