using Google.Protobuf;
using Grpc.Core;

namespace Virt.Rpc;

/// <summary>
/// A sent message stream (a client's request stream, a server's response stream on the wire) that writes data
/// messages without building them: the counterpart of <see cref="IDataMessageReader{T}"/>. A data message is one whose
/// whole payload is a single length-delimited field, <c>dataField</c>; the frame header and the field's tag and length
/// are written, then the bytes, copied once into the transport's buffers (no message object and no serialized copy).
/// On the wire it is the message with only that field set, as protobuf would serialize it, so any gRPC peer reads it.
/// </summary>
public interface IDataMessageWriter
{
    /// <summary>Writes one data message. Only one write may be pending at a time, as for any message.</summary>
    /// <param name="dataField">The number of the bytes field that carries the data.</param>
    /// <param name="data">The bytes; the caller may reuse them once this completes.</param>
    /// <param name="cancellationToken">Cancels the write (and, as any write, the call).</param>
    /// <returns>When the bytes are in the transport's buffers.</returns>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the message is over the send limit; the call's status once it has ended.</exception>
    ValueTask WriteDataAsync(int dataField, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary><see cref="IDataMessageWriter"/> for any message stream.</summary>
public static class DataMessageWriterExtensions
{
    /// <summary>
    /// Writes a data message: without building it where <paramref name="stream"/> is an <see cref="IDataMessageWriter"/>
    /// (calls on the wire), else as the message <paramref name="messageOf"/> makes (in-process calls).
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="stream">The stream.</param>
    /// <param name="dataField">The data field's number.</param>
    /// <param name="data">The bytes; the caller may reuse them once this completes.</param>
    /// <param name="messageOf">The message with only <paramref name="dataField"/> set to the given bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>When the message is written.</returns>
    public static async Task WriteDataAsync<T>(this IAsyncStreamWriter<T> stream, int dataField, ReadOnlyMemory<byte> data, Func<ByteString, T> messageOf, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(messageOf);
        if (stream is IDataMessageWriter direct)
        {
            await direct.WriteDataAsync(dataField, data, cancellationToken).ConfigureAwait(false);
            return;
        }
        await stream.WriteAsync(messageOf(UnsafeByteOperations.UnsafeWrap(data)), cancellationToken).ConfigureAwait(false);
    }
}
