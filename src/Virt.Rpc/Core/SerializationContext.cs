using System.Buffers;

namespace Grpc.Core;

/// <summary>Where a marshaller writes one message.</summary>
public abstract class SerializationContext
{
    /// <summary>Completes serialization with the whole payload as one array.</summary>
    public virtual void Complete(byte[] payload) => throw new NotSupportedException("This context accepts only buffer-writer serialization.");

    /// <summary>Announces the payload length before writing to <see cref="GetBufferWriter"/>.</summary>
    public virtual void SetPayloadLength(int payloadLength) => throw new NotSupportedException("This context does not take a payload length.");

    /// <summary>The writer to serialize into, after <see cref="SetPayloadLength"/>.</summary>
    public virtual IBufferWriter<byte> GetBufferWriter() => throw new NotSupportedException("This context has no buffer writer.");

    /// <summary>Completes serialization after writing to <see cref="GetBufferWriter"/>.</summary>
    public virtual void Complete() => throw new NotSupportedException("This context accepts only array serialization.");
}

/// <summary>Where a marshaller reads one message from.</summary>
public abstract class DeserializationContext
{
    /// <summary>The payload length in bytes.</summary>
    public abstract int PayloadLength { get; }

    /// <summary>The payload copied into a new array.</summary>
    public virtual byte[] PayloadAsNewBuffer() => PayloadAsReadOnlySequence().ToArray();

    /// <summary>The payload, valid only during the deserializer call.</summary>
    public virtual ReadOnlySequence<byte> PayloadAsReadOnlySequence() => throw new NotSupportedException("This context has no sequence payload.");
}
