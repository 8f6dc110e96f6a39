using Google.Protobuf;
using Grpc.Core;

namespace Virt.Rpc;

/// <summary>
/// A received message stream (a client's response stream, a server's request stream on the wire) that hands out the
/// bytes of its data messages without building them. A data message is one whose whole payload is a single
/// length-delimited field, <c>dataField</c> — a bulk transfer's <c>bytes data</c> chunk. Its bytes come straight from
/// the transport's receive buffers, with no copy into a frame array and none into a <see cref="ByteString"/>; other
/// messages are built as by <see cref="IAsyncStreamReader{T}.MoveNext"/>. Consecutive data messages that have already
/// arrived come out as one read. Once this is used, <see cref="IAsyncStreamReader{T}.MoveNext"/> on the same stream
/// still works (it reads through the same buffers).
/// </summary>
/// <typeparam name="T">The stream's message type.</typeparam>
public interface IDataMessageReader<T>
    where T : class
{
    /// <summary>Reads the next message, or the next data bytes.</summary>
    /// <param name="dataField">The field number of the bytes field that makes a message a data message.</param>
    /// <param name="cancellationToken">Cancels the read (and, as any read, the call).</param>
    /// <returns>The end of the stream, a message, or data bytes valid until the next read.</returns>
    /// <exception cref="RpcException">
    /// The call failed: its status, INTERNAL for a stream that ended inside a message or a malformed one,
    /// RESOURCE_EXHAUSTED for a message over the size limit.
    /// </exception>
    ValueTask<DataOrMessage<T>> ReadDataOrMessageAsync(int dataField, CancellationToken cancellationToken);
}

/// <summary><see cref="IDataMessageReader{T}"/> for any message stream.</summary>
public static class DataMessageReaderExtensions
{
    /// <summary>
    /// Reads the next message or data bytes: without copies where <paramref name="stream"/> is an
    /// <see cref="IDataMessageReader{T}"/> (calls on the wire), else message by message, with <paramref name="dataOf"/>
    /// telling a data message's bytes (in-process calls, which have no wire to read from).
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="stream">The stream.</param>
    /// <param name="dataField">The data field's number.</param>
    /// <param name="dataOf">A message's data bytes, or null when it is not a data message; must agree with <paramref name="dataField"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>As <see cref="IDataMessageReader{T}.ReadDataOrMessageAsync"/>.</returns>
    public static async ValueTask<DataOrMessage<T>> ReadDataOrMessageAsync<T>(this IAsyncStreamReader<T> stream, int dataField, Func<T, ByteString?> dataOf, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(dataOf);
        if (stream is IDataMessageReader<T> direct)
        {
            return await direct.ReadDataOrMessageAsync(dataField, cancellationToken).ConfigureAwait(false);
        }
        if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return DataOrMessage<T>.End;
        }
        var message = stream.Current;
        return dataOf(message) is { } data ? DataOrMessage<T>.OfData([data.Memory], data.Length) : DataOrMessage<T>.OfMessage(message);
    }
}
