using System.Net.Sockets;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// virtd's side of the worker protocol (proto/virt/vmm/v1/worker.proto): one connection per call on the worker's
/// control socket. A worker that cannot be reached is <see cref="VmmUnreachableException"/>, which the driver turns
/// into "the guest is gone" only after checking the worker's state file.
/// </summary>
internal static class VmmClient
{
    /// <summary>How long a unary call may take (kill and QMP calls are bounded by the worker itself).</summary>
    private static readonly TimeSpan _callTimeout = TimeSpan.FromSeconds(60);

    /// <remarks>
    /// The timeout is armed once the request is written: a connect to a Unix socket and a small write into an empty
    /// socket buffer do not wait, and arming a timer that comes due before every other one wakes .NET's timer thread,
    /// which on destroy's path came before the connect and the SIGTERM (tools/bench/README.md).
    /// </remarks>
    public static async Task<WorkerResponse> CallAsync(string socket, WorkerRequest request, CancellationToken cancellationToken)
    {
        await using var stream = await ConnectAsync(socket, cancellationToken).ConfigureAwait(false);
        try
        {
            await WorkerWire.WriteAsync(stream, request, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_callTimeout);
            return await WorkerWire.ReadAsync(stream, WorkerResponse.Parser, timeout.Token).ConfigureAwait(false)
                ?? throw new VmmUnreachableException($"The VMM worker on {socket} closed the connection without answering.");
        }
        catch (Exception e) when (e is IOException or SocketException && e is not VmmUnreachableException)
        {
            throw new VmmUnreachableException($"The VMM worker on {socket} failed during a call: {e.Message}", e);
        }
    }

    /// <summary>Opens a streaming call (subscribe, console): the response is read, the stream stays open for what follows.</summary>
    public static async Task<(WorkerResponse Response, Stream Stream)> OpenAsync(string socket, WorkerRequest request, CancellationToken cancellationToken)
    {
        var stream = await ConnectAsync(socket, cancellationToken).ConfigureAwait(false);
        try
        {
            await WorkerWire.WriteAsync(stream, request, cancellationToken).ConfigureAwait(false);
            var response = await WorkerWire.ReadAsync(stream, WorkerResponse.Parser, cancellationToken).ConfigureAwait(false)
                ?? throw new VmmUnreachableException($"The VMM worker on {socket} closed the connection without answering.");
            return (response, stream);
        }
        catch (Exception e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (e is IOException or SocketException && e is not VmmUnreachableException)
            {
                throw new VmmUnreachableException($"The VMM worker on {socket} failed during a call: {e.Message}", e);
            }
            throw;
        }
    }

    private static async Task<Stream> ConnectAsync(string socket, CancellationToken cancellationToken)
    {
        var connection = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await connection.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            connection.Dispose();
            throw new VmmUnreachableException($"The VMM worker on {socket} does not answer: {e.Message}", e);
        }
        return new NetworkStream(connection, ownsSocket: true);
    }
}

/// <summary>The worker's socket does not answer (the worker is gone, or was never there).</summary>
internal sealed class VmmUnreachableException(string message, Exception? inner = null) : IOException(message, inner);
