using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Virt.Store;

/// <summary>
/// The intent journal of a journaled <see cref="DefinitionStore"/>: a preallocated, zero-filled file of fixed size in
/// which every change is written as one checksummed record before the document's file is touched. Because the file's
/// blocks already exist, making a record durable is one <c>fdatasync</c> of data alone (no file-system metadata to
/// commit), which is the one flush a journaled save costs. README.md has the argument why this is as safe as a
/// temp-fsync-rename-fsync save.
/// </summary>
/// <remarks>
/// Layout: records from offset 0, back to back. Each: magic, total length, generation, sequence, kind, name length,
/// content length, name, content, and the XXH128 of everything before them (format VJR2; the older VJR1 has the
/// first 16 bytes of the SHA-256 there instead, and is still read, so a journal left by an older virtd replays). A generation
/// starts with a <see cref="RecordKind.Start"/> record at offset 0 (sequence 0) and is followed by its changes with
/// sequences 1, 2, …. Reading stops at the first record that is torn (bad magic, length or checksum), of another
/// generation or out of sequence: what follows was never acknowledged, or was already checkpointed.
/// Not thread-safe; <see cref="DefinitionStore"/> serialises appends and checkpoints.
/// </remarks>
internal sealed class DefinitionJournal : IDisposable
{
    /// <summary>
    /// The journal's size: 256 changes of definitions of a few KiB fit (a checkpoint comes first when one does not),
    /// and zero-filling it when a state directory is new costs one 1 MiB write.
    /// </summary>
    public const int DefaultCapacity = 1 << 20;

    private const uint Magic = 0x3252_4A56; // "VJR2", little-endian: XXH128 checksums
    private const uint Sha256Magic = 0x3152_4A56; // "VJR1", little-endian: truncated SHA-256 checksums
    private const int HeaderSize = 4 + 4 + 8 + 8 + 1 + 2 + 4;
    private const int HashSize = 16;

    private readonly FileStream _stream;
    private readonly SafeFileHandle _file;
    private ulong _generation;
    private ulong _sequence;

    private DefinitionJournal(string path, FileStream stream, int capacity)
    {
        Path = path;
        _stream = stream;
        _file = stream.SafeFileHandle;
        Capacity = capacity;
    }

    public enum RecordKind : byte
    {
        Start = 0,
        Save = 1,
        Delete = 2,
    }

    /// <summary>One change read back from the journal.</summary>
    public readonly record struct Change(RecordKind Kind, string Name, byte[] Content);

    public string Path { get; }

    public int Capacity { get; }

    /// <summary>Where the next record goes.</summary>
    public long End { get; private set; }

    /// <summary>Changes appended since the generation started.</summary>
    public int Count => (int)_sequence;

    /// <summary>
    /// Opens (creating and zero-filling when missing or short) the journal and reads the changes of its current
    /// generation. The caller applies them and then starts a new generation (<see cref="StartGeneration"/>).
    /// </summary>
    public static DefinitionJournal Open(string path, int capacity, out IReadOnlyList<Change> pending)
    {
        var existed = File.Exists(path);
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            // No lock of its own: virtd's single-instance lock keeps a second writer away, and a test that reopens a
            // store while an old instance is still referenced must not be refused.
            Share = FileShare.ReadWrite,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        // The stream only opens the file (with its mode); all I/O is positional on the handle.
        var file = stream.SafeFileHandle;
        try
        {
            var length = RandomAccess.GetLength(file);
            pending = length > 0 ? Read(file, (int)Math.Min(length, int.MaxValue)) : [];
            if (length < capacity)
            {
                // Real zero blocks, not a sparse or fallocated range: overwriting them later is a data-only write.
                var zeros = new byte[1 << 20];
                for (var offset = length; offset < capacity; offset += zeros.Length)
                {
                    RandomAccess.Write(file, zeros.AsSpan(0, (int)Math.Min(zeros.Length, capacity - offset)), offset);
                }
                NativeMethods.Fsync(file, path);
                if (!existed)
                {
                    NativeMethods.FsyncDirectory(System.IO.Path.GetDirectoryName(path)!);
                }
            }
            return new DefinitionJournal(path, stream, (int)Math.Max(capacity, Math.Min(length, int.MaxValue)));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The size of the record for a change (to decide whether it fits).</summary>
    public static int RecordSize(string name, int contentLength) => HeaderSize + Encoding.UTF8.GetByteCount(name) + contentLength + HashSize;

    /// <summary>Whether a record of <paramref name="size"/> bytes fits after the current end.</summary>
    public bool Fits(int size) => End + size <= Capacity;

    /// <summary>
    /// Starts a new generation: a start record at offset 0, made durable. Everything the previous generation recorded
    /// must already be durable in the documents' files, since its records are no longer replayed.
    /// </summary>
    public void StartGeneration()
    {
        // Only has to differ from the generation before it; a seeded generator keeps OpenSSL out of virtd.
        _generation = (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        _sequence = 0;
        End = 0;
        Write(RecordKind.Start, "", []);
        Flush();
    }

    /// <summary>Writes a change after the last one (not yet durable: see <see cref="Flush"/>).</summary>
    public void Append(RecordKind kind, string name, ReadOnlySpan<byte> content)
    {
        _sequence++;
        Write(kind, name, content);
    }

    /// <summary>Makes every record written so far durable (fdatasync: the file's blocks exist, so data only).</summary>
    public void Flush() => NativeMethods.Fdatasync(_file, Path);

    public void Dispose() => _stream.Dispose();

    private void Write(RecordKind kind, string name, ReadOnlySpan<byte> content)
    {
        var nameLength = Encoding.UTF8.GetByteCount(name);
        var size = HeaderSize + nameLength + content.Length + HashSize;
        if (!Fits(size))
        {
            throw new InvalidOperationException($"The journal record of '{name}' ({size} bytes) does not fit; checkpoint first.");
        }
        var record = new byte[size];
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], size);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], _generation);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], _sequence);
        span[24] = (byte)kind;
        BinaryPrimitives.WriteUInt16LittleEndian(span[25..], checked((ushort)nameLength));
        BinaryPrimitives.WriteInt32LittleEndian(span[27..], content.Length);
        Encoding.UTF8.GetBytes(name, span[HeaderSize..]);
        content.CopyTo(span[(HeaderSize + nameLength)..]);
        XxHash128.Hash(span[..^HashSize], span[^HashSize..]);
        RandomAccess.Write(_file, record, End);
        End += size;
    }

    /// <summary>The changes of the generation that starts at offset 0; stops at the first torn, foreign or out-of-order record.</summary>
    private static List<Change> Read(SafeFileHandle file, int length)
    {
        var changes = new List<Change>();
        var header = new byte[HeaderSize];
        var hash = new byte[HashSize];
        long offset = 0;
        ulong generation = 0;
        ulong expected = 0;
        var magic = Magic;
        while (offset + HeaderSize + HashSize <= length)
        {
            if (RandomAccess.Read(file, header, offset) != HeaderSize)
            {
                break;
            }
            // The start record's format is the generation's: a generation is never written by two versions.
            if (offset == 0 && BinaryPrimitives.ReadUInt32LittleEndian(header) == Sha256Magic)
            {
                magic = Sha256Magic;
            }
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != magic)
            {
                break;
            }
            var size = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(25));
            var contentLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(27));
            if (size < HeaderSize + HashSize || offset + size > length || contentLength < 0 || (long)HeaderSize + nameLength + contentLength + HashSize != size)
            {
                break;
            }
            var record = new byte[size];
            if (RandomAccess.Read(file, record, offset) != size)
            {
                break;
            }
            Checksum(magic, record.AsSpan(0, size - HashSize), hash);
            if (!hash.AsSpan().SequenceEqual(record.AsSpan(size - HashSize)))
            {
                break;
            }
            var recordGeneration = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8));
            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(16));
            var kind = (RecordKind)header[24];
            if (offset == 0)
            {
                if (kind != RecordKind.Start || sequence != 0)
                {
                    break;
                }
                generation = recordGeneration;
            }
            else
            {
                if (recordGeneration != generation || sequence != expected || kind is not (RecordKind.Save or RecordKind.Delete))
                {
                    break;
                }
                var name = Encoding.UTF8.GetString(record, HeaderSize, nameLength);
                changes.Add(new Change(kind, name, record.AsSpan(HeaderSize + nameLength, contentLength).ToArray()));
            }
            expected = sequence + 1;
            offset += size;
        }
        return changes;
    }

    private static void Checksum(uint magic, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (magic == Magic)
        {
            XxHash128.Hash(data, destination);
            return;
        }
        Span<byte> full = stackalloc byte[32];
        SHA256.HashData(data, full);
        full[..HashSize].CopyTo(destination);
    }
}
