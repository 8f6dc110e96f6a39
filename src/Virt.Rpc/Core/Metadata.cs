using System.Collections;
using System.Text;

namespace Grpc.Core;

/// <summary>
/// Call headers or trailers: an ordered multimap of lowercase ASCII keys. Keys ending in <c>-bin</c> carry bytes
/// (base64 on the wire); all other keys carry printable ASCII strings.
/// </summary>
public sealed class Metadata : IList<Metadata.Entry>
{
    /// <summary>The suffix that marks a binary-valued key.</summary>
    public const string BinaryHeaderSuffix = "-bin";

    /// <summary>An empty, read-only instance.</summary>
    public static readonly Metadata Empty = new Metadata().Freeze();

    private readonly List<Entry> _entries = [];
    private bool _readOnly;

    /// <summary>Makes this instance read-only and returns it.</summary>
    public Metadata Freeze()
    {
        _readOnly = true;
        return this;
    }

    /// <summary>The last entry with the given key, or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }
        return null;
    }

    /// <summary>The string value of the last entry with the given key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the last binary entry with the given key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    /// <summary>All entries with the given key, in order.</summary>
    public IEnumerable<Entry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds a string-valued entry.</summary>
    public void Add(string key, string value) => Add(new Entry(key, value));

    /// <summary>Adds a binary entry; the key must end in <c>-bin</c>.</summary>
    public void Add(string key, byte[] valueBytes) => Add(new Entry(key, valueBytes));

    /// <inheritdoc />
    public void Add(Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckWritable();
        _entries.Add(item);
    }

    /// <inheritdoc />
    public int Count => _entries.Count;

    /// <inheritdoc />
    public bool IsReadOnly => _readOnly;

    /// <inheritdoc />
    public Entry this[int index]
    {
        get => _entries[index];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckWritable();
            _entries[index] = value;
        }
    }

    /// <inheritdoc />
    public int IndexOf(Entry item) => _entries.IndexOf(item);

    /// <inheritdoc />
    public void Insert(int index, Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckWritable();
        _entries.Insert(index, item);
    }

    /// <inheritdoc />
    public void RemoveAt(int index)
    {
        CheckWritable();
        _entries.RemoveAt(index);
    }

    /// <inheritdoc />
    public void Clear()
    {
        CheckWritable();
        _entries.Clear();
    }

    /// <inheritdoc />
    public bool Contains(Entry item) => _entries.Contains(item);

    /// <inheritdoc />
    public void CopyTo(Entry[] array, int arrayIndex) => _entries.CopyTo(array, arrayIndex);

    /// <inheritdoc />
    public bool Remove(Entry item)
    {
        CheckWritable();
        return _entries.Remove(item);
    }

    /// <inheritdoc />
    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void CheckWritable()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("This metadata instance is read-only.");
        }
    }

    /// <summary>One key/value pair.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _valueBytes;

        /// <summary>Creates a string-valued entry. The key must not end in <c>-bin</c>.</summary>
        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{key}' ends in '{BinaryHeaderSuffix}', so its value must be bytes.", nameof(key));
            }
            ArgumentNullException.ThrowIfNull(value);
            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException($"The value of metadata key '{Key}' must be printable ASCII; use a '-bin' key for other data.", nameof(value));
                }
            }
            _value = value;
        }

        /// <summary>Creates a binary entry. The key must end in <c>-bin</c>.</summary>
        public Entry(string key, byte[] valueBytes)
        {
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{key}' carries bytes, so it must end in '{BinaryHeaderSuffix}'.", nameof(key));
            }
            _valueBytes = valueBytes ?? throw new ArgumentNullException(nameof(valueBytes));
        }

        /// <summary>The lowercase key.</summary>
        public string Key { get; }

        /// <summary>True when the key ends in <c>-bin</c>.</summary>
        public bool IsBinary => _valueBytes is not null;

        /// <summary>The string value; for binary entries, throws.</summary>
        public string Value => _value ?? throw new InvalidOperationException($"Metadata key '{Key}' is binary; read ValueBytes instead.");

        /// <summary>The value as bytes (ASCII bytes for string entries).</summary>
        public byte[] ValueBytes => _valueBytes ?? Encoding.ASCII.GetBytes(_value!);

        /// <inheritdoc />
        public override string ToString() =>
            IsBinary ? $"[Entry: key={Key}, valueBytes={_valueBytes!.Length} bytes]" : $"[Entry: key={Key}, value={_value}]";

        /// <summary>True for keys that carry bytes.</summary>
        public static bool IsBinaryKey(string key) => key.EndsWith(BinaryHeaderSuffix, StringComparison.OrdinalIgnoreCase);

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var lower = key.ToLowerInvariant();
            foreach (var c in lower)
            {
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
                {
                    throw new ArgumentException($"Metadata key '{key}' may contain only a-z, 0-9, '-', '_' and '.'.", nameof(key));
                }
            }
            return lower;
        }
    }
}
