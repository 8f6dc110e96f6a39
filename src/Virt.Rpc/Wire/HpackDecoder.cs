using System.Text;

namespace Virt.Rpc.Wire;

/// <summary>
/// Decodes HPACK header blocks (RFC 7541) for one HTTP/2 connection: the static table, the dynamic table the peer's
/// encoder fills (its size bounded by our SETTINGS_HEADER_TABLE_SIZE, 4096 by default) and every representation,
/// except Huffman-coded strings: .NET's encoder (Kestrel's, which serves virtd) never emits them, and a block that has
/// one fails with <see cref="InvalidDataException"/>, after which the connection's table is unusable.
/// </summary>
internal sealed class HpackDecoder
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE's default, which we never change: the encoder may grow its table to it.</summary>
    public const int DefaultMaxTableSize = 4096;

    // Entries newest first, as the wire indexes them (62 is the newest).
    private readonly List<(string Name, string Value)> _dynamic = [];
    private int _tableSize;
    private int _maxTableSize = DefaultMaxTableSize;

    /// <summary>Decodes one complete header block into <paramref name="headers"/> (in order, names as sent).</summary>
    public void Decode(ReadOnlySpan<byte> block, List<(string Name, string Value)> headers)
    {
        var position = 0;
        while (position < block.Length)
        {
            var first = block[position];
            if ((first & 0x80) != 0)
            {
                headers.Add(Entry(ReadInteger(block, ref position, 7)));
            }
            else if ((first & 0x40) != 0)
            {
                var header = ReadLiteral(block, ref position, 6);
                Add(header);
                headers.Add(header);
            }
            else if ((first & 0x20) != 0)
            {
                var size = ReadInteger(block, ref position, 5);
                if (size > DefaultMaxTableSize)
                {
                    throw new InvalidDataException($"HPACK: a dynamic table size update to {size} bytes is over the {DefaultMaxTableSize} allowed.");
                }
                _maxTableSize = size;
                Evict(0);
            }
            else
            {
                // Literal without indexing (0000) or never indexed (0001): a 4-bit prefix either way.
                headers.Add(ReadLiteral(block, ref position, 4));
            }
        }
    }

    private (string Name, string Value) Entry(int index)
    {
        if (index >= 1 && index <= HpackStaticTable.Count)
        {
            return HpackStaticTable.Get(index);
        }
        var dynamicIndex = index - HpackStaticTable.Count - 1;
        if (index == 0 || dynamicIndex >= _dynamic.Count)
        {
            throw new InvalidDataException($"HPACK: header index {index} is not in the table.");
        }
        return _dynamic[dynamicIndex];
    }

    private (string Name, string Value) ReadLiteral(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var nameIndex = ReadInteger(block, ref position, prefixBits);
        var name = nameIndex == 0 ? ReadString(block, ref position) : Entry(nameIndex).Name;
        return (name, ReadString(block, ref position));
    }

    private void Add((string Name, string Value) header)
    {
        var size = header.Name.Length + header.Value.Length + 32;
        Evict(size);
        if (size <= _maxTableSize)
        {
            // An entry larger than the whole table empties it and is not added (RFC 7541, 4.4).
            _dynamic.Insert(0, header);
            _tableSize += size;
        }
    }

    /// <summary>Drops the oldest entries until <paramref name="room"/> more bytes fit.</summary>
    private void Evict(int room)
    {
        while (_dynamic.Count > 0 && _tableSize + room > _maxTableSize)
        {
            var oldest = _dynamic[^1];
            _tableSize -= oldest.Name.Length + oldest.Value.Length + 32;
            _dynamic.RemoveAt(_dynamic.Count - 1);
        }
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int position)
    {
        if (position >= block.Length)
        {
            throw new InvalidDataException("HPACK: a header block ends before a string.");
        }
        if ((block[position] & 0x80) != 0)
        {
            throw new InvalidDataException("HPACK: a Huffman-coded header string arrived; this client decodes only plain strings (as .NET's servers send).");
        }
        var length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new InvalidDataException("HPACK: a header string runs past the end of its block.");
        }
        var text = Encoding.Latin1.GetString(block.Slice(position, length));
        position += length;
        return text;
    }

    /// <summary>An integer with an N-bit prefix (RFC 7541, 5.1).</summary>
    internal static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        if (position >= block.Length)
        {
            throw new InvalidDataException("HPACK: a header block ends inside an integer.");
        }
        var max = (1 << prefixBits) - 1;
        var value = block[position++] & max;
        if (value < max)
        {
            return value;
        }
        for (var shift = 0; shift <= 21; shift += 7)
        {
            if (position >= block.Length)
            {
                throw new InvalidDataException("HPACK: a header block ends inside an integer.");
            }
            var next = block[position++];
            value += (next & 0x7f) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
        throw new InvalidDataException("HPACK: an integer is too large.");
    }
}
