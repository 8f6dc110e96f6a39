using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

/// <summary>
/// One HTTP/2 connection (cleartext, prior knowledge) that carries unary calls one at a time, for <see cref="UnaryLane"/>.
/// A call's HEADERS and DATA (and any frame owed to the server: SETTINGS ACK, WINDOW_UPDATE) go out in one blocking
/// send, and the answer is read with blocking receives on the calling thread for up to <see cref="BlockingWait"/>,
/// then asynchronously. SocketsHttpHandler queues a request as three writes (HEADERS, DATA, END_STREAM), each completed
/// on another thread-pool thread, and reads answers on its own read loop that hands each to the caller's continuation:
/// on a connected shell's destroy those hand-offs were most of vsh's 10-12 thread switches (tools/bench/README.md).
/// </summary>
/// <remarks>
/// Only what a unary call needs is here: one stream at a time, request bodies within one DATA frame and the send
/// windows (anything larger is left to the pooled path before a byte is written), the server's SETTINGS, PING,
/// WINDOW_UPDATE, RST_STREAM and GOAWAY, and HPACK without Huffman coding (<see cref="HpackDecoder"/>). Once a receive
/// has been asynchronous the socket stays in .NET's non-blocking mode, whose blocking calls go through the socket
/// engine's thread, so the connection retires after that call and the next one opens a fresh one.
/// </remarks>
internal sealed class Http2UnaryConnection : IDisposable
{
    /// <summary>
    /// How long an answer is awaited in a blocking receive before the wait goes asynchronous, which retires the
    /// connection (the next call pays a connect and HTTP/2's set-up on both sides). Longer than a guest's start takes
    /// under TCG on a slow or loaded machine (130-300 ms seen, tools/bench/README.md): at 250 ms a start that took
    /// longer made the destroy after it open a new connection.
    /// </summary>
    public static readonly TimeSpan BlockingWait = TimeSpan.FromSeconds(1);

    private const int FrameHeaderLength = 9;
    private const int DefaultMaxFrameSize = 16_384;
    private const int DefaultWindow = 65_535;
    private const int ConnectionWindow = 1 << 30;

    /// <summary>The longest header block accepted (SocketsHttpHandler's default limit on response headers, 64 KiB).</summary>
    private const int MaxHeaderBlockBytes = 64 * 1024;

    private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, PushPromise = 0x5, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    private const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20;

    private static readonly byte[] _preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly HpackDecoder _decoder = new();
    private readonly List<byte> _owed = [];
    private byte[] _input = new byte[2 * (DefaultMaxFrameSize + FrameHeaderLength)];
    private int _inputStart;
    private int _inputEnd;
    private bool _prefaceSent;
    private int _nextStreamId = 1;
    private long _sendWindow = DefaultWindow;
    private long _peerStreamWindow = DefaultWindow;
    private int _peerMaxFrame = DefaultMaxFrameSize;
    private long _consumed;
    private int? _goAwayLastStream;

    public Http2UnaryConnection(Socket socket)
    {
        _socket = socket;
        _socket.ReceiveTimeout = (int)BlockingWait.TotalMilliseconds;
    }

    /// <summary>Whether the connection takes no more calls (closed, told to go away, or its socket now non-blocking).</summary>
    public bool Retired { get; private set; }

    /// <summary>Whether a request of <paramref name="frameLength"/> bytes fits in one DATA frame and the send windows.</summary>
    public bool Fits(int frameLength) => !Retired && frameLength <= _peerMaxFrame && frameLength <= _sendWindow && frameLength <= _peerStreamWindow;

    /// <summary>
    /// Sends one call (the HPACK block of its request headers and its gRPC frame) and reads its answer to the end of
    /// the stream. <paramref name="cancellationToken"/> shuts the socket down, which ends a blocking receive too.
    /// </summary>
    /// <exception cref="UnaryNotProcessedException">The server went away before it took the call.</exception>
    /// <exception cref="IOException">The connection failed or ended mid-call.</exception>
    /// <exception cref="InvalidDataException">The server broke the protocol.</exception>
    public async Task<UnaryExchange> CallAsync(List<byte> headerBlock, byte[] frame, int maxBodyBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var shutdown = cancellationToken.UnsafeRegister(static state => ShutDown((Socket)state!), _socket);
        try
        {
            ReadWhatIsWaiting();
            var streamId = _nextStreamId;
            _nextStreamId += 2;
            if (_nextStreamId > int.MaxValue - 2)
            {
                Retired = true;
            }
            Send(Request(streamId, headerBlock, frame));
            var exchange = new UnaryExchange();
            var call = new CallState(streamId, exchange, maxBodyBytes);
            while (!call.Done)
            {
                ProcessFrames(call);
                if (call.Done)
                {
                    break;
                }
                await ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }
            SendOwed();
            return exchange;
        }
        catch (SocketException e)
        {
            Retired = true;
            throw new IOException(e.Message, e);
        }
        catch
        {
            Retired = true;
            throw;
        }
    }

    public void Dispose()
    {
        Retired = true;
        _socket.Dispose();
    }

    private static void ShutDown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed already: the call in progress fails either way.
        }
    }

    /// <summary>
    /// Handles what the server sent while no call ran (its SETTINGS, a PING, GOAWAY on its idle timeout, the end of the
    /// connection), so a connection the server has left is not used.
    /// </summary>
    private void ReadWhatIsWaiting()
    {
        while (_socket.Available > 0 || (_prefaceSent && _socket.Poll(0, SelectMode.SelectRead)))
        {
            if (Receive() == 0)
            {
                throw new UnaryNotProcessedException("The server closed the connection while it was idle.");
            }
            ProcessFrames(null);
        }
        if (_goAwayLastStream is not null)
        {
            throw new UnaryNotProcessedException("The server sent GOAWAY while the connection was idle.");
        }
    }

    /// <summary>
    /// Receives more of the answer: blocking for up to <see cref="BlockingWait"/>, then asynchronously. The blocking wait
    /// is poll(POLLIN), then a read that finds the data: a thread blocked in the read itself is also woken when the
    /// server reads the request (the kernel wakes a Unix socket's writer for the room freed, and a blocked read sleeps on
    /// the same queue; poll's wait ignores that wake-up). In a traced destroy that wake-up cost vsh a thread switch in
    /// and out while virtd was handling the request, and the woken thread ran again, ahead of QEMU's main thread, just
    /// after the SIGTERM (tools/bench/README.md), as it had in virtd's worker calls (Virt.Driver.Qemu's VmmClient).
    /// </summary>
    private async ValueTask ReceiveAsync(CancellationToken cancellationToken)
    {
        int received;
        if (!Retired && _socket.Poll(BlockingWait, SelectMode.SelectRead))
        {
            try
            {
                received = Receive();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                Retired = true;
                received = await ReceiveMoreAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            // Waited the blocking wait out (or went asynchronous before): from now on the socket is .NET's non-blocking one.
            Retired = true;
            received = await ReceiveMoreAsync(cancellationToken).ConfigureAwait(false);
        }
        if (received == 0)
        {
            throw new IOException("The server closed the connection before the call ended.");
        }
    }

    private int Receive()
    {
        MakeRoom();
        var received = _socket.Receive(_input, _inputEnd, _input.Length - _inputEnd, SocketFlags.None);
        _inputEnd += received;
        return received;
    }

    private async ValueTask<int> ReceiveMoreAsync(CancellationToken cancellationToken)
    {
        MakeRoom();
        var received = await _socket.ReceiveAsync(_input.AsMemory(_inputEnd), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _inputEnd += received;
        return received;
    }

    private void MakeRoom()
    {
        if (_inputStart > 0)
        {
            Buffer.BlockCopy(_input, _inputStart, _input, 0, _inputEnd - _inputStart);
            _inputEnd -= _inputStart;
            _inputStart = 0;
        }
        if (_inputEnd == _input.Length)
        {
            Array.Resize(ref _input, _input.Length * 2);
        }
    }

    /// <summary>The bytes of one call: what is owed to the server first, then HEADERS and DATA (END_STREAM).</summary>
    private List<byte> Request(int streamId, List<byte> headerBlock, byte[] frame)
    {
        var output = new List<byte>(128 + headerBlock.Count + frame.Length);
        if (!_prefaceSent)
        {
            _prefaceSent = true;
            output.AddRange(_preface);
            // No server push; each response stream may send as much as the pooled path allows (RpcChannel).
            WriteFrameHeader(output, 12, Settings, 0, 0);
            WriteSetting(output, 0x2, 0);
            WriteSetting(output, 0x4, RpcChannel.StreamWindowBytes);
            WriteWindowUpdate(output, 0, ConnectionWindow - DefaultWindow);
        }
        output.AddRange(_owed);
        _owed.Clear();
        if (_consumed > 0)
        {
            WriteWindowUpdate(output, 0, (int)_consumed);
            _consumed = 0;
        }
        if (headerBlock.Count > _peerMaxFrame)
        {
            throw new InvalidDataException("A request's headers do not fit in one HTTP/2 frame.");
        }
        WriteFrameHeader(output, headerBlock.Count, Headers, EndHeaders, streamId);
        output.AddRange(headerBlock);
        WriteFrameHeader(output, frame.Length, Data, EndStream, streamId);
        output.AddRange(frame);
        _sendWindow -= frame.Length;
        return output;
    }

    private void SendOwed()
    {
        if (_owed.Count > 0 && !Retired)
        {
            Send(_owed);
            _owed.Clear();
        }
    }

    private void Send(List<byte> bytes)
    {
        var span = CollectionsMarshal.AsSpan(bytes);
        while (!span.IsEmpty)
        {
            span = span[_socket.Send(span)..];
        }
    }

    /// <summary>Handles every whole frame received; for a call, stops at the end of its stream and keeps the rest.</summary>
    private void ProcessFrames(CallState? call)
    {
        while (call is not { Done: true } && _inputEnd - _inputStart >= FrameHeaderLength)
        {
            var header = _input.AsSpan(_inputStart, FrameHeaderLength);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            if (length > DefaultMaxFrameSize)
            {
                // We never raise SETTINGS_MAX_FRAME_SIZE.
                throw new InvalidDataException($"HTTP/2: a {length}-byte frame is over the 16384-byte maximum.");
            }
            if (_inputEnd - _inputStart < FrameHeaderLength + length)
            {
                return;
            }
            var type = header[3];
            var flags = header[4];
            var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header[5..]) & 0x7fffffff);
            var payload = _input.AsSpan(_inputStart + FrameHeaderLength, length);
            _inputStart += FrameHeaderLength + length;
            Handle(call, type, flags, streamId, payload);
        }
    }

    private void Handle(CallState? call, byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        if (call is not null && call.ExpectContinuation && type != Continuation)
        {
            throw new InvalidDataException("HTTP/2: a header block was interrupted by another frame.");
        }
        switch (type)
        {
            case Data:
                _consumed += payload.Length;
                if (call is not null && streamId == call.StreamId)
                {
                    call.Body(Unpad(flags, payload));
                    if ((flags & EndStream) != 0)
                    {
                        call.Done = true;
                    }
                }
                break;
            case Headers:
            {
                var block = Unpad(flags, payload);
                if ((flags & Priority) != 0)
                {
                    block = block[5..];
                }
                if (call is null || streamId != call.StreamId)
                {
                    throw new InvalidDataException($"HTTP/2: HEADERS for stream {streamId}, which no call is waiting for.");
                }
                call.HeaderBlock.AddRange(block);
                call.EndStreamAfterHeaders = (flags & EndStream) != 0;
                if ((flags & EndHeaders) != 0)
                {
                    EndHeaderBlock(call);
                }
                else
                {
                    call.ExpectContinuation = true;
                }
                break;
            }
            case Continuation:
                if (call is null || !call.ExpectContinuation || streamId != call.StreamId)
                {
                    throw new InvalidDataException("HTTP/2: CONTINUATION without a header block to continue.");
                }
                call.HeaderBlock.AddRange(payload);
                if (call.HeaderBlock.Count > MaxHeaderBlockBytes)
                {
                    throw new InvalidDataException($"HTTP/2: a response's header block is over {MaxHeaderBlockBytes} bytes.");
                }
                if ((flags & EndHeaders) != 0)
                {
                    call.ExpectContinuation = false;
                    EndHeaderBlock(call);
                }
                break;
            case RstStream:
                if (call is not null && streamId == call.StreamId && payload.Length == 4)
                {
                    call.Exchange.ResetCode = BinaryPrimitives.ReadUInt32BigEndian(payload);
                    call.Done = true;
                }
                break;
            case Settings:
                if ((flags & Ack) == 0)
                {
                    ApplySettings(payload);
                    WriteFrameHeader(_owed, 0, Settings, Ack, 0);
                }
                break;
            case Ping:
                if ((flags & Ack) == 0 && payload.Length == 8)
                {
                    WriteFrameHeader(_owed, 8, Ping, Ack, 0);
                    _owed.AddRange(payload);
                    // A PING is answered at once: the server may be timing the connection's liveness.
                    SendOwed();
                }
                break;
            case GoAway:
                Retired = true;
                _goAwayLastStream = payload.Length >= 4 ? (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff) : 0;
                if (call is not null && _goAwayLastStream < call.StreamId)
                {
                    throw new UnaryNotProcessedException("The server sent GOAWAY before it took the call.");
                }
                break;
            case WindowUpdate:
                if (payload.Length == 4)
                {
                    var increment = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff;
                    if (streamId == 0)
                    {
                        _sendWindow += increment;
                    }
                }
                break;
            case PushPromise:
                throw new InvalidDataException("HTTP/2: PUSH_PROMISE, although push was disabled.");
            default:
                // PRIORITY, and frame types this side does not know, are ignored (RFC 9113, 4.1).
                break;
        }
    }

    private void EndHeaderBlock(CallState call)
    {
        var fields = new List<(string Name, string Value)>();
        _decoder.Decode(CollectionsMarshal.AsSpan(call.HeaderBlock), fields);
        call.HeaderBlock.Clear();
        if (!call.HeadersSeen)
        {
            call.HeadersSeen = true;
            call.Exchange.Headers.AddRange(fields);
        }
        else
        {
            call.Exchange.Trailers = fields;
        }
        if (call.EndStreamAfterHeaders)
        {
            call.Done = true;
        }
    }

    private void ApplySettings(ReadOnlySpan<byte> payload)
    {
        for (var i = 0; i + 6 <= payload.Length; i += 6)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(payload[i..]);
            var value = BinaryPrimitives.ReadUInt32BigEndian(payload[(i + 2)..]);
            switch (id)
            {
                case 0x4:
                    _peerStreamWindow = value;
                    break;
                case 0x5:
                    _peerMaxFrame = (int)Math.Min(value, int.MaxValue);
                    break;
            }
        }
    }

    private static ReadOnlySpan<byte> Unpad(byte flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & Padded) == 0)
        {
            return payload;
        }
        if (payload.IsEmpty || payload[0] >= payload.Length)
        {
            throw new InvalidDataException("HTTP/2: a frame's padding is longer than the frame.");
        }
        return payload[1..^payload[0]];
    }

    private static void WriteFrameHeader(List<byte> output, int length, byte type, byte flags, int streamId)
    {
        output.Add((byte)(length >> 16));
        output.Add((byte)(length >> 8));
        output.Add((byte)length);
        output.Add(type);
        output.Add(flags);
        output.Add((byte)(streamId >> 24));
        output.Add((byte)(streamId >> 16));
        output.Add((byte)(streamId >> 8));
        output.Add((byte)streamId);
    }

    private static void WriteSetting(List<byte> output, ushort id, int value)
    {
        output.Add((byte)(id >> 8));
        output.Add((byte)id);
        output.Add((byte)(value >> 24));
        output.Add((byte)(value >> 16));
        output.Add((byte)(value >> 8));
        output.Add((byte)value);
    }

    private static void WriteWindowUpdate(List<byte> output, int streamId, int increment)
    {
        WriteFrameHeader(output, 4, WindowUpdate, 0, streamId);
        output.Add((byte)(increment >> 24));
        output.Add((byte)(increment >> 16));
        output.Add((byte)(increment >> 8));
        output.Add((byte)increment);
    }

    /// <summary>One call's progress through the frames of its stream.</summary>
    private sealed class CallState(int streamId, UnaryExchange exchange, int maxBodyBytes)
    {
        public int StreamId { get; } = streamId;

        public UnaryExchange Exchange { get; } = exchange;

        public List<byte> HeaderBlock { get; } = [];

        public bool HeadersSeen { get; set; }

        public bool ExpectContinuation { get; set; }

        public bool EndStreamAfterHeaders { get; set; }

        public bool Done { get; set; }

        public void Body(ReadOnlySpan<byte> data)
        {
            var length = Exchange.BodyLength + data.Length;
            if (length > maxBodyBytes)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message exceeds the limit of {maxBodyBytes - GrpcProtocol.FrameHeaderSize} bytes."));
            }
            if (length > Exchange.Body.Length)
            {
                var body = Exchange.Body;
                Array.Resize(ref body, Math.Max(length, Math.Min(maxBodyBytes, Math.Max(256, body.Length * 2))));
                Exchange.Body = body;
            }
            data.CopyTo(Exchange.Body.AsSpan(Exchange.BodyLength));
            Exchange.BodyLength = length;
        }
    }
}
