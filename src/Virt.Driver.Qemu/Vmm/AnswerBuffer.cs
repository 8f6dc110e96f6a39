using Google.Protobuf;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// One answer of the worker protocol as it arrives, in as many pieces as the socket hands over: its length as a varint,
/// then the message (<see cref="WorkerWire"/>'s framing, read here without a stream so that <see cref="VmmClient"/> can
/// switch from blocking to asynchronous reads in the middle of an answer).
/// </summary>
internal sealed class AnswerBuffer
{
    private byte[] _buffer = new byte[512];
    private int _filled;
    private int _headerBytes;
    private int _length;

    /// <summary>Where the next received bytes go.</summary>
    public Memory<byte> Free => _buffer.AsMemory(_filled);

    /// <summary>Whether the whole message is here.</summary>
    public bool HasMessage => _headerBytes > 0 && _filled >= _headerBytes + _length;

    /// <summary>Takes <paramref name="count"/> bytes received into <see cref="Free"/>; 0 is the worker closing the connection.</summary>
    public void Received(int count, string socket)
    {
        if (count == 0)
        {
            throw _filled == 0
                ? new VmmUnreachableException($"The VMM worker on {socket} closed the connection without answering.")
                : new InvalidDataException($"The VMM worker on {socket} closed the connection inside a message.");
        }
        _filled += count;
        if (_headerBytes == 0 && TryReadLength() && _buffer.Length < _headerBytes + _length)
        {
            Array.Resize(ref _buffer, _headerBytes + _length);
        }
    }

    /// <summary>The answer, once <see cref="HasMessage"/>.</summary>
    public WorkerResponse Message()
    {
        try
        {
            return WorkerResponse.Parser.ParseFrom(_buffer, _headerBytes, _length);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"A WorkerResponse message does not parse: {e.Message}", e);
        }
    }

    private bool TryReadLength()
    {
        ulong length = 0;
        for (var i = 0; i < _filled; i++)
        {
            length |= (ulong)(_buffer[i] & 0x7f) << (7 * i);
            if ((_buffer[i] & 0x80) == 0)
            {
                if (length > WorkerWire.MaxMessageBytes)
                {
                    throw new InvalidDataException($"A message of {length} bytes is over the {WorkerWire.MaxMessageBytes}-byte limit.");
                }
                _length = (int)length;
                _headerBytes = i + 1;
                return true;
            }
            if (i == 4)
            {
                throw new InvalidDataException("A message length is not a valid varint.");
            }
        }
        return false;
    }
}
