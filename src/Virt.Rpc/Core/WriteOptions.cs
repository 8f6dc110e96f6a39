namespace Grpc.Core;

/// <summary>Per-write flags.</summary>
[Flags]
public enum WriteFlags
{
    /// <summary>Hint that the write may be buffered rather than flushed at once.</summary>
    BufferHint = 0x1,
    /// <summary>Do not compress this message.</summary>
    NoCompress = 0x2,
}

/// <summary>Options for writing messages to a stream.</summary>
public sealed class WriteOptions
{
    /// <summary>The default: flush each message.</summary>
    public static readonly WriteOptions Default = new();

    /// <summary>Creates write options.</summary>
    public WriteOptions(WriteFlags flags = default) => Flags = flags;

    /// <summary>The flags.</summary>
    public WriteFlags Flags { get; }
}
