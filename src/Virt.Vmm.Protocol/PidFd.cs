using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Vmm.Protocol;

/// <summary>
/// A process held by a pidfd (Linux 5.3+): signals sent through it cannot reach another process that took the pid over,
/// and its exit can be waited for by any process, not only the parent. The worker holds QEMU this way from its spawn;
/// virtd holds the same QEMU to destroy it without a round trip through the worker (src/Virt.Vmm/README.md).
/// </summary>
public sealed partial class PidFd : IDisposable
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const short PollIn = 1;
    private const int EIntr = 4;

    private readonly SafeFileHandle _handle;

    private PidFd(SafeFileHandle handle) => _handle = handle;

    /// <summary>A pidfd for <paramref name="pid"/> (close-on-exec); the caller must know that the pid is still the process it means (a child not reaped yet).</summary>
    /// <exception cref="IOException">The process is gone, or pidfds are not supported.</exception>
    public static PidFd Open(int pid)
    {
        var fd = PidFdOpen(pid, 0);
        return fd >= 0 ? new PidFd(new SafeFileHandle(fd, ownsHandle: true))
            : throw new IOException($"pidfd_open({pid}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// A pidfd for <paramref name="pid"/> if that process is a child of <paramref name="parent"/> and still alive once the
    /// pidfd is open: another process's child whose parent reaps it only after telling everyone it ended (the worker
    /// and its QEMU), so a pid that was reaped and reused in between is not taken for it. Null otherwise.
    /// </summary>
    public static PidFd? OpenChildOf(int pid, int parent)
    {
        if (pid <= 0 || parent <= 0)
        {
            return null;
        }
        PidFd opened;
        try
        {
            opened = Open(pid);
        }
        catch (IOException)
        {
            return null;
        }
        // The pidfd names whatever had the pid when it was opened; the parent read after that, and the process still
        // alive after the read, prove that this is the child (it cannot have been reaped and replaced in between).
        if (ParentOf(pid) == parent && opened.Signal(0))
        {
            return opened;
        }
        opened.Dispose();
        return null;
    }

    /// <summary>Sends a signal (0: only checks that the process is alive); false when the process is gone.</summary>
    public bool Signal(int signal) => PidFdSendSignal(_handle, signal, 0, 0) == 0;

    /// <summary>
    /// Blocks the calling thread until the process has exited (every thread of it gone, as a parent's wait sees it) or
    /// <paramref name="timeout"/> passes; true when it has exited.
    /// </summary>
    public unsafe bool WaitExited(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var poll = new PollFd { Fd = (int)_handle.DangerousGetHandle(), Events = PollIn };
            while (true)
            {
                var left = (int)Math.Max(0, deadline - Environment.TickCount64);
                var ready = Poll(&poll, 1, left);
                if (ready > 0)
                {
                    return true;
                }
                if (ready == 0 || Marshal.GetLastPInvokeError() != EIntr)
                {
                    return false;
                }
            }
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>The parent pid from /proc/PID/stat (the field after the command name, which may itself hold spaces and parentheses); 0 when it cannot be read.</summary>
    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "pidfd_send_signal", SetLastError = true)]
    private static partial int PidFdSendSignal(SafeFileHandle pidfd, int signal, nint info, uint flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);
}
