namespace Virt.Rpc;

/// <summary>What <see cref="IDataMessageReader{T}"/> read: the end of the stream, a message, or data bytes.</summary>
public enum DataOrMessageKind
{
    /// <summary>The stream ended cleanly; nothing more follows.</summary>
    End,

    /// <summary>A message that is not a data message, built as usual (<see cref="DataOrMessage{T}.Message"/>).</summary>
    Message,

    /// <summary>Bytes of one or more consecutive data messages (<see cref="DataOrMessage{T}.Data"/>).</summary>
    Data,
}
