using System.Buffers;
using System.Buffers.Binary;
using Grpc.Core;

namespace Virt.Rpc.Wire;

/// <summary>Length-prefixed message frames, shared by client and server.</summary>
internal static class GrpcFrame
{
    /// <summary>Serializes a message into one frame (header plus payload).</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the message is larger than <paramref name="maxSize"/>.</exception>
    public static byte[] Serialize<T>(Marshaller<T> marshaller, T message, int? maxSize)
    {
        var context = new FrameSerializationContext(maxSize);
        marshaller.ContextualSerializer(message, context);
        return context.GetFrame();
    }

    /// <summary>Deserializes one payload; a malformed payload is an INTERNAL error, as in other implementations.</summary>
    public static T Deserialize<T>(Marshaller<T> marshaller, byte[] payload)
    {
        try
        {
            return marshaller.ContextualDeserializer(new ArrayDeserializationContext(payload));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the message: " + ex.Message, ex));
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
        if (read < header.Length)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message header ({read} of {GrpcProtocol.FrameHeaderSize} bytes)."));
        }
        if (header[0] != 0)
        {
            throw new RpcException(new Status(
                StatusCode.Internal,
                header[0] == 1
                    ? "A compressed message arrived, but no compression was negotiated (only identity is supported)."
                    : $"Invalid compressed-flag byte {header[0]} in a message header."));
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > (uint)maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the limit of {maxSize} bytes."));
        }
        var payload = new byte[length];
        read = await ReadAtLeastAsync(stream, payload, cancellationToken).ConfigureAwait(false);
        if (read < payload.Length)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message ({read} of {length} bytes)."));
        }
        return payload;
    }

    private static async ValueTask<int> ReadAtLeastAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken) =>
        buffer.Length == 0 ? 0 : await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);

    private sealed class FrameSerializationContext(int? maxSize) : SerializationContext
    {
        private byte[]? _frame;
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
            _frame = new byte[GrpcProtocol.FrameHeaderSize + payloadLength];
            BinaryPrimitives.WriteUInt32BigEndian(_frame.AsSpan(1), (uint)payloadLength);
        }

        public override IBufferWriter<byte> GetBufferWriter() =>
            _writer ??= new FixedBufferWriter(_frame ?? throw new InvalidOperationException("SetPayloadLength must be called before GetBufferWriter."));

        public override void Complete()
        {
            if (_writer is not null && _writer.Written != _frame!.Length - GrpcProtocol.FrameHeaderSize)
            {
                throw new InvalidOperationException($"The serializer wrote {_writer.Written} bytes after announcing {_frame.Length - GrpcProtocol.FrameHeaderSize}.");
            }
        }

        public byte[] GetFrame() => _frame ?? throw new InvalidOperationException("The marshaller did not complete serialization.");
    }

    private sealed class FixedBufferWriter(byte[] frame) : IBufferWriter<byte>
    {
        private int _position = GrpcProtocol.FrameHeaderSize;

        public int Written => _position - GrpcProtocol.FrameHeaderSize;

        public void Advance(int count) => _position += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => frame.AsMemory(_position);

        public Span<byte> GetSpan(int sizeHint = 0) => frame.AsSpan(_position);
    }

    private sealed class ArrayDeserializationContext(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])payload.Clone();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
