using System.Net;
using System.Net.Sockets;

namespace Virt.Rpc.Client;

/// <summary>
/// A channel's own connection for unary calls to a local server (<see cref="RpcChannelOptions.UnaryLane"/>), one call
/// at a time on <see cref="Http2UnaryConnection"/>; a call that finds it busy, or whose request does not fit, goes
/// through the pooled SocketsHttpHandler path as before. The connection is opened on first use (or is the socket the
/// channel was given), and again after it retires.
/// </summary>
internal sealed class UnaryLane(EndPoint endPoint, string target, Socket? connected) : IDisposable
{
    /// <summary>How long a blocking connect may wait for room in the server's listen queue.</summary>
    private static readonly TimeSpan _connectWait = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private Socket? _connected = connected;
    private Http2UnaryConnection? _connection;
    private int _busy;
    private int _connections;
    private long _calls;
    private bool _disposed;

    /// <summary>How many connections the lane has opened or taken over (for tests and diagnostics).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>How many calls the lane has carried to their end.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Takes the lane for one call; false when another call has it.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void Exit() => Volatile.Write(ref _busy, 0);

    /// <summary>
    /// Runs one call (after <see cref="TryEnter"/>); null when its request does not fit the connection's limits, in
    /// which case nothing was sent. A call the server did not take before it went away is sent again, once, on a new
    /// connection.
    /// </summary>
    /// <exception cref="HttpRequestException">The server cannot be reached.</exception>
    public async Task<UnaryExchange?> CallAsync(List<byte> headerBlock, byte[] frame, int maxBodyBytes, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = Current();
            if (!connection.Fits(frame.Length))
            {
                return null;
            }
            try
            {
                var exchange = await connection.CallAsync(headerBlock, frame, maxBodyBytes, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _calls);
                if (connection.Retired)
                {
                    Close(connection);
                }
                return exchange;
            }
            catch (UnaryNotProcessedException) when (attempt == 0)
            {
                Close(connection);
            }
            catch
            {
                Close(connection);
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _connected?.Dispose();
            _connected = null;
            _connection?.Dispose();
            _connection = null;
        }
    }

    private Http2UnaryConnection Current()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { Retired: false } current)
            {
                return current;
            }
            _connection?.Dispose();
            _connection = null;
            var socket = _connected ?? Connect();
            _connected = null;
            _connections++;
            return _connection = new Http2UnaryConnection(socket);
        }
    }

    private void Close(Http2UnaryConnection connection)
    {
        lock (_lock)
        {
            if (_connection == connection)
            {
                _connection = null;
            }
        }
        connection.Dispose();
    }

    /// <summary>A blocking connect: on a local socket it is done at once, or refused at once.</summary>
    private Socket Connect()
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Unspecified)
        {
            SendTimeout = (int)_connectWait.TotalMilliseconds,
        };
        try
        {
            socket.Connect(endPoint);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new HttpRequestException($"Connection to {target} failed: {e.Message}", e);
        }
    }
}
