using Google.Protobuf;

namespace Virt.Vmm.Protocol;

/// <summary>
/// Length-delimited protobuf over a stream (a varint length, then the message), the framing of
/// <c>WriteDelimitedTo</c>/<c>ParseDelimitedFrom</c>, but asynchronous and with a size limit, since a socket peer is
/// not trusted to send sane lengths.
/// </summary>
public static class WorkerWire
{
    /// <summary>No message of this protocol comes near it; a larger length means a broken or hostile peer.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>Writes one message and flushes.</summary>
    public static async Task WriteAsync(Stream stream, IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(Frame(message), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One message as this protocol frames it: its length as a varint, then the message.</summary>
    public static byte[] Frame(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        var frame = new byte[CodedOutputStream.ComputeLengthSize(size) + size];
        var output = new CodedOutputStream(frame);
        output.WriteLength(size);
        message.WriteTo(output);
        output.Flush();
        return frame;
    }

    /// <summary>Reads one message; null when the peer closed the stream cleanly before a new message began.</summary>
    /// <exception cref="InvalidDataException">The stream ended inside a message, or the length is over the limit.</exception>
    public static async Task<T?> ReadAsync<T>(Stream stream, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(parser);
        var one = new byte[1];
        ulong length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                if (shift == 0)
                {
                    return null;
                }
                throw new InvalidDataException("The peer closed the connection inside a message length.");
            }
            length |= (ulong)(one[0] & 0x7f) << shift;
            if ((one[0] & 0x80) == 0)
            {
                break;
            }
            if (shift > 28)
            {
                throw new InvalidDataException("A message length is not a valid varint.");
            }
        }
        if (length > MaxMessageBytes)
        {
            throw new InvalidDataException($"A message of {length} bytes is over the {MaxMessageBytes}-byte limit.");
        }
        var body = new byte[(int)length];
        try
        {
            await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The peer closed the connection inside a message.", e);
        }
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"A {typeof(T).Name} message does not parse: {e.Message}", e);
        }
    }
}
