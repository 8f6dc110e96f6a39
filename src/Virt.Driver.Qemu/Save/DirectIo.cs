using System.Runtime.InteropServices;
using System.Text;

namespace Virt.Driver.Qemu;

/// <summary>
/// --bypass-cache (O_DIRECT): whether a file system takes it, asked before a save or restore starts, so a file
/// system without it (ramfs, some FUSE and network ones) fails the call with a typed error instead of the job
/// halfway (libvirt fails the open with EINVAL there).
/// </summary>
internal static partial class DirectIo
{
    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int OCloexec = 0x80000;
    private const int EInval = 22;

    /// <summary>O_DIRECT's value differs between architectures (asm-generic on arm64).</summary>
    private static int ODirect => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x10000 : 0x4000;

    /// <summary>Creates, opens with O_DIRECT and removes a probe file in <paramref name="directory"/>; throws if refused.</summary>
    public static void RequireForWriting(string directory, string subject)
    {
        var probe = Path.Combine(directory, $".virt-direct-probe.{Guid.NewGuid():N}");
        try
        {
            Require(probe, OWrOnly | OCreat | OExcl, subject);
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Opens <paramref name="file"/> read-only with O_DIRECT; throws if refused.</summary>
    public static void RequireForReading(string file, string subject) => Require(file, ORdOnly, subject);

    private static unsafe void Require(string path, int flags, string subject)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* pointer = name)
        {
            fd = Open(pointer, flags | ODirect | OCloexec, 0x180);
        }
        if (fd >= 0)
        {
            _ = Close(fd);
            return;
        }
        var errno = Marshal.GetLastPInvokeError();
        var directory = Path.GetDirectoryName(path) ?? path;
        throw errno == EInval
            ? new VirtException(VirtErrorReason.OperationUnsupported,
                $"{subject}: the file system of '{directory}' does not support bypassing the cache (O_DIRECT); run it without --bypass-cache or use another file system.",
                new Dictionary<string, string> { ["path"] = path, ["option"] = "bypass_cache" })
            : new VirtException(VirtErrorReason.InvalidArgument, $"{subject}: cannot open '{path}' with O_DIRECT: {Marshal.GetPInvokeErrorMessage(errno)}.",
                new Dictionary<string, string> { ["path"] = path });
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static unsafe partial int Open(byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
