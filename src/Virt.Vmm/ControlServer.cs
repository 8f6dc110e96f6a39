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
    private readonly Worker _worker;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private ControlServer(Socket listener, string path, Worker worker)
    {
        _listener = listener;
        _path = path;
        _worker = worker;
        _acceptLoop = Task.Run(AcceptAsync);
    }

    public static ControlServer Start(string path, Worker worker)
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
        return new ControlServer(listener, path, worker);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        File.Delete(_path);
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closing the listener ends the loop with whatever accept threw.
        }
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            // Served from here up to its first wait (reading the request): a hop through the thread pool first cost a
            // thread wake-up on every call's path, destroy's included. Nothing before that wait blocks.
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
                    await WorkerWire.WriteAsync(stream, await _worker.ControlAsync(request.Control.Action, _stopping.Token), _stopping.Token);
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
