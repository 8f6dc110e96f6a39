using Google.Protobuf;
using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>An open console (<see cref="VirtConnection.OpenConsoleAsync"/>): raw bytes both ways.</summary>
public sealed class VirtConsole : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<OpenConsoleRequest, OpenConsoleResponse> _call;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    internal VirtConsole(AsyncDuplexStreamingCall<OpenConsoleRequest, OpenConsoleResponse> call, ConsoleOpened opened)
    {
        _call = call;
        Opened = opened;
    }

    /// <summary>The domain and the device alias that was opened.</summary>
    public ConsoleOpened Opened { get; }

    /// <summary>Set once the daemon closed the console: why (guest stopped, taken over, daemon stopping).</summary>
    public ConsoleClosed? Closed { get; private set; }

    /// <summary>The next bytes the guest wrote; empty when the console has ended (see <see cref="Closed"/>).</summary>
    /// <exception cref="VirtClientException">The call failed.</exception>
    public async Task<ReadOnlyMemory<byte>> ReadAsync(CancellationToken ct = default)
    {
        try
        {
            while (Closed is null && await _call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                var message = _call.ResponseStream.Current;
                if (message.KindCase == OpenConsoleResponse.KindOneofCase.Closed)
                {
                    Closed = message.Closed;
                    break;
                }
                if (message.KindCase == OpenConsoleResponse.KindOneofCase.Data && !message.Data.IsEmpty)
                {
                    return message.Data.Memory;
                }
            }
            return ReadOnlyMemory<byte>.Empty;
        }
        catch (RpcException e)
        {
            throw VirtClientException.From(e);
        }
    }

    /// <summary>Sends bytes to the guest's console.</summary>
    /// <exception cref="VirtClientException">The call failed.</exception>
    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _call.RequestStream.WriteAsync(new OpenConsoleRequest { Data = ByteString.CopyFrom(data.Span) }, ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw VirtClientException.From(e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the input side; the daemon then ends the call.</summary>
    public async Task CompleteAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            // Already ended.
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _call.Dispose();
        _writeLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
