using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;

namespace Virt.Rpc.Wire;

/// <summary>Length-prefixed message frames, shared by client and server.</summary>
internal static class GrpcFrame
{
    /// <summary>Serializes a message into one frame (header plus payload) of exactly its length.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the message is larger than <paramref name="maxSize"/>.</exception>
    public static byte[] Serialize<T>(Marshaller<T> marshaller, T message, int? maxSize)
    {
        var context = new FrameSerializationContext(maxSize, rent: false);
        marshaller.ContextualSerializer(message, context);
        return context.GetFrame().ToArray();
    }

    /// <summary>
    /// Serializes a message into one frame in an array from <see cref="ArrayPool{T}.Shared"/>: streams of large messages
    /// (volume transfers move 1 MiB each) would otherwise allocate a large-object-heap array per message.
    /// </summary>
    /// <returns>The frame; dispose it once its bytes have been written (the array goes back to the pool).</returns>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the message is larger than <paramref name="maxSize"/>.</exception>
    public static RentedFrame SerializeRented<T>(Marshaller<T> marshaller, T message, int? maxSize)
    {
        var context = new FrameSerializationContext(maxSize, rent: true);
        try
        {
            marshaller.ContextualSerializer(message, context);
            return context.GetFrame();
        }
        catch
        {
            context.ReturnUnfinished();
            throw;
        }
    }

    /// <summary>The longest prefix <see cref="WriteDataPrefix"/> writes: the frame header and two 5-byte varints.</summary>
    public const int MaxDataPrefixBytes = GrpcProtocol.FrameHeaderSize + 10;

    /// <summary>
    /// Writes what precedes the bytes of a data message (<see cref="IDataMessageWriter"/>): the frame header, then the
    /// data field's tag and length, as protobuf serializes a message with only that bytes field set.
    /// </summary>
    /// <returns>The prefix's length.</returns>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the message is larger than <paramref name="maxSize"/>.</exception>
    public static int WriteDataPrefix(Span<byte> destination, int dataField, int dataLength, int? maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataField);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataField, (1 << 29) - 1);
        var tag = ((uint)dataField << 3) | 2;
        var fieldPrefix = CodedOutputStream.ComputeRawVarint32Size(tag) + CodedOutputStream.ComputeRawVarint32Size((uint)dataLength);
        var payloadLength = (long)fieldPrefix + dataLength;
        if (payloadLength > (maxSize ?? int.MaxValue))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message of {payloadLength} bytes exceeds the limit of {maxSize} bytes."));
        }
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)payloadLength);
        var written = GrpcProtocol.FrameHeaderSize;
        written += WriteVarint(destination[written..], tag);
        written += WriteVarint(destination[written..], (uint)dataLength);
        return written;
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Deserializes one payload; a malformed payload is an INTERNAL error, as in other implementations.</summary>
    public static T Deserialize<T>(Marshaller<T> marshaller, byte[] payload) => Deserialize(marshaller, payload, payload.Length);

    /// <summary>Deserializes the first <paramref name="length"/> bytes of <paramref name="payload"/>.</summary>
    public static T Deserialize<T>(Marshaller<T> marshaller, byte[] payload, int length)
    {
        try
        {
            return marshaller.ContextualDeserializer(new ArrayDeserializationContext(payload, length));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the message: " + ex.Message, ex));
        }
    }

    /// <summary>
    /// Reads and deserializes the next message; null at a clean end of stream. The payload is read into a pooled
    /// array that goes back to the pool once the message is built (a deserializer copies what it keeps).
    /// </summary>
    /// <exception cref="RpcException">
    /// INTERNAL for a truncated, compressed or malformed frame, RESOURCE_EXHAUSTED for an oversized one.
    /// </exception>
    public static async ValueTask<T?> ReadMessageAsync<T>(Stream stream, Marshaller<T> marshaller, int maxSize, CancellationToken cancellationToken)
        where T : class
    {
        var header = ArrayPool<byte>.Shared.Rent(GrpcProtocol.FrameHeaderSize);
        byte[]? payload = null;
        try
        {
            var read = await stream.ReadAtLeastAsync(header.AsMemory(0, GrpcProtocol.FrameHeaderSize), GrpcProtocol.FrameHeaderSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }
            var length = ReadHeader(header, read, maxSize);
            payload = ArrayPool<byte>.Shared.Rent(length);
            read = length == 0 ? 0 : await stream.ReadAtLeastAsync(payload.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < length)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message ({read} of {length} bytes)."));
            }
            return Deserialize(marshaller, payload, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
            if (payload is not null)
            {
                ArrayPool<byte>.Shared.Return(payload);
            }
        }
    }

    /// <summary>Reads the next frame's payload; null at a clean end of stream.</summary>
    /// <exception cref="RpcException">INTERNAL for a truncated or compressed frame, RESOURCE_EXHAUSTED for an oversized one.</exception>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxSize, CancellationToken cancellationToken)
    {
        var header = new byte[GrpcProtocol.FrameHeaderSize];
        var read = await ReadAtLeastAsync(stream, header, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }
        var payload = new byte[ReadHeader(header, read, maxSize)];
        read = await ReadAtLeastAsync(stream, payload, cancellationToken).ConfigureAwait(false);
        if (read < payload.Length)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message ({read} of {payload.Length} bytes)."));
        }
        return payload;
    }

    /// <summary>Checks a frame header that <paramref name="read"/> bytes of arrived; returns the payload length.</summary>
    private static int ReadHeader(byte[] header, int read, int maxSize)
    {
        if (read < GrpcProtocol.FrameHeaderSize)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message header ({read} of {GrpcProtocol.FrameHeaderSize} bytes)."));
        }
        return PayloadLength(header, maxSize);
    }

    /// <summary>The payload length a whole frame header announces, once its flag and length are checked.</summary>
    internal static int PayloadLength(ReadOnlySpan<byte> header, int maxSize)
    {
        if (header[0] != 0)
        {
            throw new RpcException(new Status(
                StatusCode.Internal,
                header[0] == 1
                    ? "A compressed message arrived, but no compression was negotiated (only identity is supported)."
                    : $"Invalid compressed-flag byte {header[0]} in a message header."));
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the limit of {maxSize} bytes."));
        }
        return (int)length;
    }

    private static async ValueTask<int> ReadAtLeastAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken) =>
        buffer.Length == 0 ? 0 : await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);

    private sealed class FrameSerializationContext(int? maxSize, bool rent) : SerializationContext
    {
        private byte[]? _frame;
        private int _frameLength;
        private FixedBufferWriter? _writer;

        public override void Complete(byte[] payload)
        {
            ArgumentNullException.ThrowIfNull(payload);
            SetPayloadLength(payload.Length);
            payload.CopyTo(_frame!, GrpcProtocol.FrameHeaderSize);
        }

        public override void SetPayloadLength(int payloadLength)
        {
            if (payloadLength > maxSize)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message of {payloadLength} bytes exceeds the limit of {maxSize} bytes."));
            }
            _frameLength = GrpcProtocol.FrameHeaderSize + payloadLength;
            _frame = rent ? ArrayPool<byte>.Shared.Rent(_frameLength) : new byte[_frameLength];
            _frame[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(_frame.AsSpan(1), (uint)payloadLength);
        }

        public override IBufferWriter<byte> GetBufferWriter() =>
            _writer ??= new FixedBufferWriter(_frame ?? throw new InvalidOperationException("SetPayloadLength must be called before GetBufferWriter."), _frameLength);

        public override void Complete()
        {
            if (_writer is not null && _writer.Written != _frameLength - GrpcProtocol.FrameHeaderSize)
            {
                throw new InvalidOperationException($"The serializer wrote {_writer.Written} bytes after announcing {_frameLength - GrpcProtocol.FrameHeaderSize}.");
            }
        }

        public RentedFrame GetFrame() => _frame is null
            ? throw new InvalidOperationException("The marshaller did not complete serialization.")
            : new RentedFrame(_frame, _frameLength, rent);

        public void ReturnUnfinished()
        {
            if (rent && _frame is not null)
            {
                ArrayPool<byte>.Shared.Return(_frame);
                _frame = null;
            }
        }
    }

    private sealed class FixedBufferWriter(byte[] frame, int frameLength) : IBufferWriter<byte>
    {
        private int _position = GrpcProtocol.FrameHeaderSize;

        public int Written => _position - GrpcProtocol.FrameHeaderSize;

        public void Advance(int count) => _position += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => frame.AsMemory(_position, frameLength - _position);

        public Span<byte> GetSpan(int sizeHint = 0) => frame.AsSpan(_position, frameLength - _position);
    }

    private sealed class ArrayDeserializationContext(byte[] payload, int length) : DeserializationContext
    {
        public override int PayloadLength => length;

        public override byte[] PayloadAsNewBuffer() => payload.AsSpan(0, length).ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload, 0, length);
    }
}
