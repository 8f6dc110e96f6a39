using System.Net.Sockets;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// virtd's side of the worker protocol (proto/virt/vmm/v1/worker.proto): one connection per call on the worker's
/// control socket; a unary call's answer is read with <see cref="AnswerBuffer"/>. A worker that cannot be reached is <see cref="VmmUnreachableException"/>, which the driver turns
/// into "the guest is gone" only after checking the worker's state file.
/// </summary>
internal static class VmmClient
{
    /// <summary>How long a unary call may take (kill and QMP calls are bounded by the worker itself).</summary>
    private static readonly TimeSpan _callTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a unary call waits for its answer on the calling thread (poll, then read) before it waits
    /// asynchronously: the answers of kill (QEMU's exit), status, control and most QMP calls come well within it.
    /// </summary>
    private static readonly TimeSpan _blockingWait = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a blocking connect may wait for room in the worker's listen queue, and a request's write for the worker to read.</summary>
    private static readonly TimeSpan _connectWait = TimeSpan.FromSeconds(5);

    /// <remarks>
    /// The connect, the request and the first <see cref="_blockingWait"/> of the wait for the answer are blocking calls
    /// on the calling thread, not asynchronous ones: an asynchronous read that has to wait goes through .NET's socket
    /// engine (its epoll thread wakes, hands the completion to a thread-pool worker, which wakes another one), while a
    /// blocked read is woken by the kernel the moment the worker writes. On destroy's path that was 6-8 of virtd's
    /// 21-24 thread switches per destroy, and the socket's registration with the engine and the timeout's timer went with
    /// them (tools/bench/README.md). An answer that takes longer is awaited asynchronously, with the call's timeout
    /// and cancellation, so a slow call holds a thread-pool thread for at most that long.
    /// </remarks>
    public static async Task<WorkerResponse> CallAsync(string socket, WorkerRequest request, CancellationToken cancellationToken)
    {
        // The blocking part does not watch the token: a call cancelled before it starts is not made.
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Connect(socket);
        try
        {
            var frame = WorkerWire.Frame(request);
            if (connection.Send(frame) != frame.Length)
            {
                // Only a worker that stopped reading lets the send time out with part of a request written.
                throw new VmmUnreachableException($"The VMM worker on {socket} did not take the request within {_connectWait.TotalSeconds} s.");
            }
            var answer = new AnswerBuffer();
            var blockingUntil = Environment.TickCount64 + (long)_blockingWait.TotalMilliseconds;
            while (!answer.HasMessage)
            {
                // poll(POLLIN), then a read that finds the data: a thread blocked in the read itself is also woken when
                // the worker reads the request (the kernel wakes a Unix socket's writer for the room freed, and a
                // blocked read sleeps on the same queue; poll's wait ignores that wake-up). That spurious wake-up
                // preempted the worker's control thread between its read and its SIGTERM, and the CPU went back to
                // QEMU's spinning vCPU for a slice: 2.5-5 ms in a fifth of the destroys (tools/bench/README.md).
                var left = blockingUntil - Environment.TickCount64;
                if (left <= 0 || !connection.Poll(TimeSpan.FromMilliseconds(left), SelectMode.SelectRead))
                {
                    return await ReceiveRestAsync(connection, socket, answer, cancellationToken).ConfigureAwait(false);
                }
                answer.Received(connection.Receive(answer.Free.Span), socket);
            }
            return answer.Message();
        }
        catch (SocketException e)
        {
            throw new VmmUnreachableException($"The VMM worker on {socket} failed during a call: {e.Message}", e);
        }
    }

    /// <summary>The rest of an answer that did not come within the blocking wait: asynchronously, with the call's timeout.</summary>
    private static async Task<WorkerResponse> ReceiveRestAsync(Socket connection, string socket, AnswerBuffer answer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_callTimeout);
        while (!answer.HasMessage)
        {
            answer.Received(await connection.ReceiveAsync(answer.Free, SocketFlags.None, timeout.Token).ConfigureAwait(false), socket);
        }
        return answer.Message();
    }

    private static Socket Connect(string socket)
    {
        var connection = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        {
            // On a Unix socket, connect waits for room in a full listen queue for up to the send timeout.
            SendTimeout = (int)_connectWait.TotalMilliseconds,
        };
        try
        {
            connection.Connect(new UnixDomainSocketEndPoint(socket));
            return connection;
        }
        catch (SocketException e)
        {
            connection.Dispose();
            throw new VmmUnreachableException($"The VMM worker on {socket} does not answer: {e.Message}", e);
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
