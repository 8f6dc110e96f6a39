namespace Grpc.Core;

/// <summary>Turns messages of one type into bytes and back.</summary>
/// <typeparam name="T">The message type.</typeparam>
public class Marshaller<T>
{
    /// <summary>Creates a marshaller from contextual serializer and deserializer functions.</summary>
    public Marshaller(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer)
    {
        ContextualSerializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        ContextualDeserializer = deserializer ?? throw new ArgumentNullException(nameof(deserializer));
    }

    /// <summary>Creates a marshaller from byte-array serializer and deserializer functions.</summary>
    public Marshaller(Func<T, byte[]> serializer, Func<byte[], T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        ContextualSerializer = (message, context) => context.Complete(serializer(message));
        ContextualDeserializer = context => deserializer(context.PayloadAsNewBuffer());
    }

    /// <summary>Writes a message into a serialization context.</summary>
    public Action<T, SerializationContext> ContextualSerializer { get; }

    /// <summary>Reads a message from a deserialization context.</summary>
    public Func<DeserializationContext, T> ContextualDeserializer { get; }

    /// <summary>This marshaller for messages typed as objects (see <see cref="Method{TRequest, TResponse}.Untyped"/>).</summary>
    internal Marshaller<object> Untyped() =>
        this as Marshaller<object> ?? new((message, context) => ContextualSerializer((T)message, context), context => ContextualDeserializer(context)!);
}

/// <summary>Factory methods for <see cref="Marshaller{T}"/>.</summary>
public static class Marshallers
{
    /// <summary>Creates a marshaller from contextual functions.</summary>
    public static Marshaller<T> Create<T>(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer) =>
        new(serializer, deserializer);

    /// <summary>Creates a marshaller from byte-array functions.</summary>
    public static Marshaller<T> Create<T>(Func<T, byte[]> serializer, Func<byte[], T> deserializer) =>
        new(serializer, deserializer);
}
