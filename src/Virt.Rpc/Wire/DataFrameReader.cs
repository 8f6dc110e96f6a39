using System.Buffers;
using System.IO.Pipelines;
using Grpc.Core;

namespace Virt.Rpc.Wire;

/// <summary>
/// Reads a call's message frames from a pipe for <see cref="IDataMessageReader{T}"/>: a data message's bytes are handed
/// out as slices of the pipe's buffers (no frame array, no protobuf copy), other messages are deserialized from those
/// buffers. The slices stay valid until the next read, which only then lets the pipe reuse them. One caller at a time.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="pipe">The call's message stream.</param>
/// <param name="marshaller">Builds the messages that are not data.</param>
/// <param name="maxMessageSize">The largest message accepted.</param>
/// <param name="minDataReadBytes">
/// A read hands out less of a data message than this only where the message (or the stream) ends sooner: the rest of a
/// message whose length is known is waited for. Kestrel's request pipe has each 16 KiB HTTP/2 DATA frame as it lands,
/// and handing each out cost a 1 GiB upload 21,700 file writes and 31,000 futex wake-ups in virtd instead of 3,500 and
/// 9,400 with 256 KiB (tools/bench/README.md, storage, ninth session). 0: hand out whatever has arrived (the client's
/// response pipe already reads up to 256 KiB at a time).
/// </param>
internal sealed class DataFrameReader<T>(PipeReader pipe, Marshaller<T> marshaller, int maxMessageSize, int minDataReadBytes = 0)
    where T : class
{
    /// <summary>
    /// At most this many bytes per read, so one file write covers several 64 KiB messages without holding the pipe's
    /// buffers for long.
    /// </summary>
    public const int MaxReadBytes = 1 << 20;

    /// <summary>At most this many pieces per read (one vectored write takes up to 1,024).</summary>
    public const int MaxReadPieces = 64;


    /// <summary>A varint that has not ended within ten bytes is malformed.</summary>
    private const int MaxVarintBytes = 10;

    private readonly List<ReadOnlyMemory<byte>> _pieces = [];
    private SequencePosition _heldUntil;
    private bool _holding;
    private long _dataLength;
    private long _dataLeft;
    private bool _ended;

    /// <summary>Reads the next message or data bytes.</summary>
    /// <param name="dataField">The data field's number; 0 reads every message whole.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="RpcException">INTERNAL for a truncated, compressed or malformed frame, RESOURCE_EXHAUSTED for an oversized one.</exception>
    public async ValueTask<DataOrMessage<T>> ReadAsync(int dataField, CancellationToken cancellationToken)
    {
        Release();
        if (_ended)
        {
            return DataOrMessage<T>.End;
        }
        var dataTag = dataField > 0 ? ((uint)dataField << 3) | 2 : 0;
        long minimum = 0;
        while (true)
        {
            var result = minimum > 0
                ? await pipe.ReadAtLeastAsync((int)Math.Min(minimum, int.MaxValue), cancellationToken).ConfigureAwait(false)
                : await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            minimum = 0;
            var buffer = result.Buffer;
            T? message;
            SequencePosition consumed;
            var (dataLength, dataLeft) = (_dataLength, _dataLeft);
            try
            {
                message = Parse(buffer, dataTag, out consumed);
            }
            catch
            {
                pipe.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }
            if (message is not null)
            {
                pipe.AdvanceTo(consumed);
                return DataOrMessage<T>.OfMessage(message);
            }
            if (_pieces.Count > 0)
            {
                long length = 0;
                foreach (var piece in _pieces)
                {
                    length += piece.Length;
                }
                if (_dataLeft > 0 && length < minDataReadBytes && _pieces.Count < MaxReadPieces && !result.IsCompleted && !result.IsCanceled)
                {
                    // Too little of a message whose rest is on its way: parse again from the same state once more
                    // has arrived (the rest of the message, or enough to make the read worth a write).
                    minimum = buffer.Length + Math.Min(_dataLeft, minDataReadBytes - length);
                    _pieces.Clear();
                    (_dataLength, _dataLeft) = (dataLength, dataLeft);
                    pipe.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
                // The pieces are the pipe's memory: it is advanced past them on the next read, once they are written.
                _heldUntil = consumed;
                _holding = true;
                return DataOrMessage<T>.OfData(_pieces, length);
            }
            if (result.IsCompleted)
            {
                var left = buffer.Slice(consumed).Length;
                pipe.AdvanceTo(buffer.End);
                if (left == 0 && _dataLeft == 0)
                {
                    _ended = true;
                    return DataOrMessage<T>.End;
                }
                throw Truncated(left);
            }
            if (result.IsCanceled)
            {
                pipe.AdvanceTo(consumed, buffer.End);
                throw new OperationCanceledException("The read was cancelled.");
            }
            pipe.AdvanceTo(consumed, buffer.End);
        }
    }

    /// <summary>Gives the pipe back what the last read handed out; the reader is done with the stream.</summary>
    public void Complete()
    {
        Release();
        pipe.Complete();
    }

    private void Release()
    {
        _pieces.Clear();
        if (_holding)
        {
            _holding = false;
            pipe.AdvanceTo(_heldUntil);
        }
    }

    /// <summary>
    /// Collects data pieces from <paramref name="buffer"/> into <see cref="_pieces"/>, or builds the next message
    /// when no data comes first. <paramref name="consumed"/> is where the next parse starts.
    /// </summary>
    private T? Parse(ReadOnlySequence<byte> buffer, uint dataTag, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        long collected = 0;
        while (true)
        {
            if (_dataLeft > 0)
            {
                if (!TakeData(ref reader, ref collected))
                {
                    break;
                }
                continue;
            }
            if (reader.Remaining < GrpcProtocol.FrameHeaderSize)
            {
                break;
            }
            var frameOffset = reader.Consumed;
            var length = ReadFrameHeader(ref reader);
            var kind = Classify(reader, length, dataTag, out var prefixLength, out var dataLength);
            if (kind == FrameKind.Data)
            {
                reader.Advance(prefixLength);
                _dataLength = dataLength;
                _dataLeft = dataLength;
                continue;
            }
            if (kind == FrameKind.Undecided || _pieces.Count > 0 || reader.Remaining < length)
            {
                // Wait for the rest, or hand out the data so far first and build this message on the next read.
                reader.Rewind(reader.Consumed - frameOffset);
                break;
            }
            var message = Deserialize(buffer.Slice(reader.Position, length));
            reader.Advance(length);
            consumed = reader.Position;
            return message;
        }
        consumed = reader.Position;
        return null;
    }

    /// <summary>Takes the current data message's bytes that have arrived; false when nothing more can be taken now.</summary>
    private bool TakeData(ref SequenceReader<byte> reader, ref long collected)
    {
        var took = false;
        while (_dataLeft > 0 && reader.Remaining > 0 && collected < MaxReadBytes && _pieces.Count < MaxReadPieces)
        {
            var span = reader.UnreadSpan;
            var take = (int)Math.Min(Math.Min(_dataLeft, span.Length), MaxReadBytes - collected);
            var piece = reader.UnreadSequence.First[..take];
            _pieces.Add(piece);
            reader.Advance(take);
            _dataLeft -= take;
            collected += take;
            took = true;
        }
        return took && _dataLeft == 0;
    }

    private int ReadFrameHeader(ref SequenceReader<byte> reader)
    {
        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        reader.TryCopyTo(header);
        reader.Advance(GrpcProtocol.FrameHeaderSize);
        return GrpcFrame.PayloadLength(header, maxMessageSize);
    }

    /// <summary>
    /// Whether the payload of <paramref name="length"/> bytes at <paramref name="reader"/> is a data message: the data
    /// field's tag, then a length that runs exactly to the payload's end. Undecided while that prefix has not arrived.
    /// </summary>
    private static FrameKind Classify(SequenceReader<byte> reader, int length, uint dataTag, out int prefixLength, out long dataLength)
    {
        prefixLength = 0;
        dataLength = 0;
        if (dataTag == 0 || length == 0)
        {
            return FrameKind.Other;
        }
        var start = reader.Consumed;
        var tag = ReadVarint(ref reader, length, out var tagRead);
        if (tagRead != VarintRead.Complete)
        {
            return tagRead == VarintRead.NeedMore ? FrameKind.Undecided : FrameKind.Other;
        }
        if (tag != dataTag)
        {
            return FrameKind.Other;
        }
        var fieldLength = ReadVarint(ref reader, length - (reader.Consumed - start), out var lengthRead);
        if (lengthRead != VarintRead.Complete)
        {
            return lengthRead == VarintRead.NeedMore ? FrameKind.Undecided : FrameKind.Other;
        }
        prefixLength = (int)(reader.Consumed - start);
        if (fieldLength != (ulong)(length - prefixLength))
        {
            return FrameKind.Other;
        }
        dataLength = (long)fieldLength;
        return FrameKind.Data;
    }

    /// <summary>Reads a varint of the payload, of which <paramref name="payloadLeft"/> bytes are left.</summary>
    private static ulong ReadVarint(ref SequenceReader<byte> reader, long payloadLeft, out VarintRead read)
    {
        ulong value = 0;
        for (var i = 0; i < MaxVarintBytes; i++)
        {
            if (i == payloadLeft)
            {
                // The payload ends inside the varint: malformed, for the deserializer to report.
                read = VarintRead.Malformed;
                return 0;
            }
            if (!reader.TryRead(out var b))
            {
                read = VarintRead.NeedMore;
                return 0;
            }
            value |= (ulong)(b & 0x7f) << (7 * i);
            if (b < 0x80)
            {
                read = VarintRead.Complete;
                return value;
            }
        }
        read = VarintRead.Malformed;
        return 0;
    }

    private T Deserialize(ReadOnlySequence<byte> payload)
    {
        try
        {
            return marshaller.ContextualDeserializer(new SequenceDeserializationContext(payload));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the message: " + ex.Message, ex));
        }
    }

    private RpcException Truncated(long left) => _dataLeft > 0
        ? new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message ({_dataLength - _dataLeft} of its {_dataLength} data bytes)."))
        : new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message ({left} bytes of a frame)."));

    private enum FrameKind
    {
        Data,
        Other,
        Undecided,
    }

    private enum VarintRead
    {
        Complete,
        NeedMore,
        Malformed,
    }

    private sealed class SequenceDeserializationContext(ReadOnlySequence<byte> payload) : DeserializationContext
    {
        public override int PayloadLength => (int)payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => payload;
    }
}
