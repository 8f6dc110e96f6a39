namespace Virt.Domain;

/// <summary>Host I/O mechanism of a disk.</summary>
public enum DiskIo
{
    /// <summary>XML value <c>native</c>.</summary>
    Native,

    /// <summary>XML value <c>threads</c>.</summary>
    Threads,

    /// <summary>XML value <c>io_uring</c>.</summary>
    IoUring,
}
