using System.Runtime.InteropServices;

namespace Virt.Vmm;

/// <summary>The few libc calls the worker needs that .NET does not offer: its own session, and fd plumbing.</summary>
internal static partial class Native
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int FDupFdCloexec = 1030;

    /// <summary>Leaves virtd's session and process group, so a signal to virtd's group (Ctrl-C, a service stop) spares the guest.</summary>
    public static void NewSession()
    {
        // Fails only when already a group leader, which a freshly spawned worker never is.
        _ = SetSid();
    }

    /// <summary>Makes <paramref name="target"/> (0, 1 or 2) refer to what <paramref name="source"/> refers to.</summary>
    public static void Redirect(int source, int target)
    {
        if (Dup2(source, target) < 0)
        {
            throw new IOException($"dup2({source}, {target}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>A close-on-exec duplicate of <paramref name="fd"/>, so QEMU never inherits it.</summary>
    public static int DuplicateCloseOnExec(int fd)
    {
        var copy = Fcntl(fd, FDupFdCloexec, 3);
        return copy >= 0 ? copy : throw new IOException($"fcntl(F_DUPFD_CLOEXEC) on fd {fd} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Sends a signal; false when the process is gone.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
