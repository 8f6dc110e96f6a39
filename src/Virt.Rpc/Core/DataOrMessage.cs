namespace Virt.Rpc;

/// <summary>
/// One read of <see cref="IDataMessageReader{T}"/>. <see cref="Data"/> may be the transport's own receive buffers:
/// it is valid only until the next read on the same stream, so write it out (or copy it) before reading on.
/// </summary>
/// <typeparam name="T">The stream's message type.</typeparam>
public readonly struct DataOrMessage<T>
    where T : class
{
    private DataOrMessage(DataOrMessageKind kind, T? message, IReadOnlyList<ReadOnlyMemory<byte>> data, long dataLength)
    {
        Kind = kind;
        Message = message;
        Data = data;
        DataLength = dataLength;
    }

    /// <summary>What was read.</summary>
    public DataOrMessageKind Kind { get; }

    /// <summary>The message, when <see cref="Kind"/> is <see cref="DataOrMessageKind.Message"/>.</summary>
    public T? Message { get; }

    /// <summary>The data bytes in order, in one or more pieces; empty unless <see cref="Kind"/> is <see cref="DataOrMessageKind.Data"/>.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Data { get; }

    /// <summary>The total length of <see cref="Data"/>.</summary>
    public long DataLength { get; }

    /// <summary>The end of the stream.</summary>
    internal static DataOrMessage<T> End { get; } = new(DataOrMessageKind.End, null, [], 0);

    /// <summary>A message read whole.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The read.</returns>
    internal static DataOrMessage<T> OfMessage(T message) => new(DataOrMessageKind.Message, message ?? throw new ArgumentNullException(nameof(message)), [], 0);

    /// <summary>Data bytes.</summary>
    /// <param name="data">The pieces, in order.</param>
    /// <param name="length">Their total length.</param>
    /// <returns>The read.</returns>
    internal static DataOrMessage<T> OfData(IReadOnlyList<ReadOnlyMemory<byte>> data, long length) =>
        new(DataOrMessageKind.Data, null, data ?? throw new ArgumentNullException(nameof(data)), length);
}
