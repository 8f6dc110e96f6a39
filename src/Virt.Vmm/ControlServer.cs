using System.Net.Sockets;
using Virt.Vmm.Protocol;

namespace Virt.Vmm;

/// <summary>
/// The control socket (owner only): one call per connection, a <see cref="WorkerRequest"/> answered by a
/// <see cref="WorkerResponse"/>, then for subscribe a stream of events and for console frames both ways.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    /// <summary>How long the accept thread waits for a request that has not arrived with its connection.</summary>
    private static readonly TimeSpan _requestWait = TimeSpan.FromMilliseconds(50);

    private readonly CancellationTokenSource _stopping = new();
    private readonly StandbyThread _acceptThread;
    // Set by Serve, before the accept loop can run: nothing reads it earlier.
    private Worker _worker = null!;

    private ControlServer(Socket listener, string path, StandbyThread acceptThread)
    {
        _listener = listener;
        _path = path;
        _acceptThread = acceptThread;
    }

    /// <summary>
    /// Binds and listens, without serving yet (<see cref="Serve"/>): a connection made meanwhile waits in the listen
    /// queue. The worker does this while QEMU initializes, so the socket file's creation is not on the start's path.
    /// </summary>
    public static ControlServer Listen(string path, StandbyThread acceptThread)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            // Before listen(): until then a connect is refused, so no one gets in under a wider mode.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new ControlServer(listener, path, acceptThread);
    }

    /// <summary>Serves calls for <paramref name="worker"/> from now on, on the accept thread.</summary>
    public void Serve(Worker worker)
    {
        _worker = worker;
        _acceptThread.Give(AcceptLoop);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        // Never served (a failed launch): the accept thread ends without running the loop.
        _acceptThread.Dismiss();
        // The accept thread is blocked in accept(): a connection of our own wakes it, and it sees the stop.
        try
        {
            using var wake = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            wake.Connect(new UnixDomainSocketEndPoint(_path));
        }
        catch (SocketException)
        {
            // Not listening any more: the thread is not in accept() either.
        }
        if (!_acceptThread.IsCurrent)
        {
            _acceptThread.Join(TimeSpan.FromSeconds(5));
        }
        _listener.Dispose();
        File.Delete(_path);
        _stopping.Dispose();
    }

    /// <summary>
    /// Accepts on a thread of its own, blocked in accept(): the kernel wakes it when virtd connects. An asynchronous
    /// accept went through the socket engine's epoll thread and then a thread-pool work item first (two thread
    /// wake-ups on every call's path, destroy's included; on a loaded host each is a wait for a CPU). virtd writes its
    /// request right after connecting, so the request is waited for here, briefly, and each call is then served from
    /// this thread up to its first real wait (a kill: for QEMU's exit), with nothing before that wait that blocks.
    /// The listener is only ever used synchronously, so it stays a blocking socket (an asynchronous call would make
    /// .NET emulate blocking accepts through the epoll thread again).
    /// </summary>
    private void AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_stopping.IsCancellationRequested)
            {
                connection.Dispose();
                return;
            }
            try
            {
                // A request that is not here within the wait is read asynchronously by ServeAsync like any other.
                _ = connection.Poll(_requestWait, SelectMode.SelectRead);
            }
            catch (SocketException)
            {
                // ServeAsync meets the same error and ends the connection.
            }
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        var stream = new NetworkStream(connection, ownsSocket: true);
        var keepOpen = false;
        try
        {
            var request = await WorkerWire.ReadAsync(stream, WorkerRequest.Parser, _stopping.Token);
            if (request is null)
            {
                return;
            }
            switch (request.KindCase)
            {
                case WorkerRequest.KindOneofCase.Status:
                    await WorkerWire.WriteAsync(stream, new WorkerResponse { Status = _worker.Status() }, _stopping.Token);
                    break;
                case WorkerRequest.KindOneofCase.Control:
                    await WorkerWire.WriteAsync(stream, await _worker.ControlAsync(request.Control.Action, request.Control.Reason, _stopping.Token), _stopping.Token);
                    break;
                case WorkerRequest.KindOneofCase.Qmp:
                    await WorkerWire.WriteAsync(stream, await _worker.QmpAsync(request.Qmp, _stopping.Token), _stopping.Token);
                    break;
                case WorkerRequest.KindOneofCase.Kill:
                    await WorkerWire.WriteAsync(stream, await _worker.KillAsync(request.Kill, _stopping.Token), _stopping.Token);
                    break;
                case WorkerRequest.KindOneofCase.Release:
                    await WorkerWire.WriteAsync(stream, new WorkerResponse { Status = _worker.Status() }, _stopping.Token);
                    _worker.Release();
                    break;
                case WorkerRequest.KindOneofCase.Subscribe:
                    await StreamEventsAsync(stream, request.Subscribe.AfterSequence);
                    break;
                case WorkerRequest.KindOneofCase.Console:
                    keepOpen = await AttachConsoleAsync(stream, request.Console.Force);
                    break;
                default:
                    await WorkerWire.WriteAsync(stream, new WorkerResponse
                    {
                        Error = new WorkerError { Code = WorkerErrorCode.Unsupported, Message = $"virt-vmm {WorkerProgram.Version} does not know this request" },
                    }, _stopping.Token);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client left, or sent garbage; either way this connection is over.
        }
        catch (Exception e) when (e is Virt.Qemu.Qmp.QmpException)
        {
            WorkerLog.Write("a control call failed: " + e.Message);
            try
            {
                await WorkerWire.WriteAsync(stream, new WorkerResponse { Error = new WorkerError { Code = WorkerErrorCode.Qmp, Message = e.Message } }, CancellationToken.None);
            }
            catch (IOException)
            {
                // The client left.
            }
        }
        finally
        {
            if (!keepOpen)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private async Task StreamEventsAsync(Stream stream, ulong afterSequence)
    {
        var (replay, live) = _worker.Subscribe(afterSequence);
        try
        {
            await WorkerWire.WriteAsync(stream, new WorkerResponse { Status = _worker.Status() }, _stopping.Token);
            foreach (var recorded in replay)
            {
                await WorkerWire.WriteAsync(stream, recorded, _stopping.Token);
            }
            if (live is null)
            {
                return;
            }
            await foreach (var recorded in live.ReadAllAsync(_stopping.Token))
            {
                await WorkerWire.WriteAsync(stream, recorded, _stopping.Token);
            }
        }
        finally
        {
            if (live is not null)
            {
                _worker.Unsubscribe(live);
            }
        }
    }

    /// <summary>Attaches the connection as the console client; returns true when the client owns the stream now.</summary>
    private async Task<bool> AttachConsoleAsync(Stream stream, bool force)
    {
        var relay = _worker.Console;
        if (relay is null)
        {
            await WorkerWire.WriteAsync(stream, new WorkerResponse { Error = new WorkerError { Code = WorkerErrorCode.Unsupported, Message = "this guest has no serial console" } }, _stopping.Token);
            return false;
        }
        var client = relay.Attach(stream, force, out var stopped);
        if (client is null)
        {
            await WorkerWire.WriteAsync(stream, new WorkerResponse
            {
                Error = stopped
                    ? new WorkerError { Code = WorkerErrorCode.InvalidState, Message = "the guest has stopped" }
                    : new WorkerError { Code = WorkerErrorCode.ConsoleBusy, Message = "the console is in use by another client" },
            }, _stopping.Token);
            return false;
        }
        // The answer goes out before the first output frame can.
        await WorkerWire.WriteAsync(stream, new WorkerResponse { Status = _worker.Status() }, _stopping.Token);
        client.Start();
        try
        {
            while (await WorkerWire.ReadAsync(stream, ConsoleFrame.Parser, _stopping.Token) is { } frame)
            {
                if (frame.KindCase == ConsoleFrame.KindOneofCase.Data)
                {
                    await relay.WriteToGuestAsync(frame.Data.Memory, _stopping.Token);
                }
                else
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException or ObjectDisposedException)
        {
            // The client left or was closed (taken over, guest stopped).
        }
        relay.Detach(client);
        client.Abandon();
        await client.Completion;
        await stream.DisposeAsync();
        return true;
    }
}
