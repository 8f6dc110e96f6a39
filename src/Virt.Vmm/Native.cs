using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Virt.Vmm;

/// <summary>The few libc calls the worker needs that .NET does not offer: its own session, fd plumbing, and waiting for its exit without reaping it.</summary>
internal static partial class Native
{
    private const int FDupFdCloexec = 1030;
    private const int FSetFd = 2;
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;
    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private const int OAppend = 0x400;
    private const int OCloexec = 0x80000;
    private const int SeekSet = 0;
    private const int PPid = 1;
    private const int WExited = 4;
    private const int WNoWait = 0x01000000;
    private const int CldExited = 1;
    private const int EIntr = 4;
    private const int SchedIdle = 5;
    private const int SchedOther = 0;

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

    /// <summary>
    /// A connected pair of Unix stream sockets, unnamed (nothing in the file system): the first is close-on-exec (the
    /// worker's), the second is inherited by a child (QEMU's).
    /// </summary>
    public static unsafe (int Worker, int Child) ConnectedPair()
    {
        var fds = stackalloc int[2];
        if (SocketPairCall(AfUnix, SockStream | SockCloexec, 0, fds) < 0)
        {
            throw new IOException($"socketpair(AF_UNIX) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        if (Fcntl(fds[1], FSetFd, 0) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = CloseCall(fds[0]);
            _ = CloseCall(fds[1]);
            throw new IOException($"fcntl(F_SETFD) on a socketpair failed: errno {errno}");
        }
        return (fds[0], fds[1]);
    }

    /// <summary>
    /// <paramref name="path"/> opened read-only with no close-on-exec, so a child inherits it, positioned at
    /// <paramref name="offset"/>, after checking that the 4 bytes there are <paramref name="magic"/>.
    /// </summary>
    public static unsafe int OpenInheritableAt(string path, long offset, ReadOnlySpan<byte> magic)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* pointer = name)
        {
            fd = OpenCall(pointer, ORdOnly);
        }
        if (fd < 0)
        {
            throw new IOException($"cannot open {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        Span<byte> found = stackalloc byte[magic.Length];
        long read;
        fixed (byte* pointer = found)
        {
            read = PreadCall(fd, pointer, found.Length, offset);
        }
        if (read != magic.Length || !found.SequenceEqual(magic) || LseekCall(fd, offset, SeekSet) != offset)
        {
            _ = CloseCall(fd);
            throw new IOException($"{path} has no QEMU migration stream at offset {offset}");
        }
        return fd;
    }

    /// <summary>
    /// <paramref name="path"/> opened write-only and appending, close-on-exec (QEMU gets it over QMP, never by
    /// inheritance); the file must exist: the worker creates no files for virtd.
    /// </summary>
    public static unsafe SafeFileHandle OpenForAppending(string path)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* pointer = name)
        {
            fd = OpenCall(pointer, OWrOnly | OAppend | OCloexec);
        }
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw new IOException($"cannot open {path} for appending: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Closes an fd this process opened with libc.</summary>
    public static void Close(int fd) => _ = CloseCall(fd);

    /// <summary>Sends a signal to a child by pid: only for a child not reaped yet, whose pid nobody else can have.</summary>
    public static void SignalUnreaped(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>
    /// Blocks until the child <paramref name="pid"/> has exited, without reaping it (<c>waitid(P_PID, pid, WEXITED |
    /// WNOWAIT)</c>), and returns its exit status as .NET's <c>Process.ExitCode</c> gives it (the code, or 128 + the
    /// signal). The kernel wakes this wait the moment the child becomes a zombie, with nothing in between; the caller
    /// reaps it later (<see cref="Reap"/>). Null when the child cannot be waited for (nothing else here reaps it).
    /// </summary>
    public static unsafe int? WaitExitedNoReap(int pid)
    {
        // siginfo_t is 128 bytes; on Linux x86-64 si_code is at 8 and, for SIGCHLD, si_status at 24.
        var info = stackalloc byte[128];
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            if (WaitIdCall(PPid, pid, info, WExited | WNoWait) == 0)
            {
                var code = *(int*)(info + 8);
                var status = *(int*)(info + 24);
                return code == CldExited ? status : 128 + status;
            }
            if (Marshal.GetLastPInvokeError() != EIntr)
            {
                return null;
            }
        }
    }

    /// <summary>Reaps the child <paramref name="pid"/>, waiting for its exit if it has not exited yet.</summary>
    public static unsafe void Reap(int pid)
    {
        var info = stackalloc byte[128];
        while (WaitIdCall(PPid, pid, info, WExited) != 0 && Marshal.GetLastPInvokeError() == EIntr)
        {
        }
    }

    /// <summary>The calling thread's kernel id (what <c>sched_setscheduler</c> takes).</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>
    /// Puts thread <paramref name="threadId"/> of this process (0: the calling thread) in <c>SCHED_IDLE</c>
    /// (<paramref name="idle"/>): from then on it runs only when no other thread wants the CPU, and any other thread's
    /// wake-up preempts it at once; or back in <c>SCHED_OTHER</c>. For work that nobody waits for; best effort.
    /// </summary>
    public static unsafe void RunThreadWhenIdle(int threadId, bool idle)
    {
        // struct sched_param { int sched_priority; }: 0 for both policies.
        var priority = 0;
        _ = SchedSetScheduler(threadId, idle ? SchedIdle : SchedOther, &priority);
    }

    /// <summary>Lets another runnable thread have this CPU now (<c>sched_yield</c>).</summary>
    public static void YieldCpu() => _ = SchedYield();

    [LibraryImport("libc", EntryPoint = "sched_yield")]
    private static partial int SchedYield();

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static unsafe partial int SchedSetScheduler(int pid, int policy, int* parameter);

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int SocketPairCall(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseCall(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static unsafe partial int OpenCall(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PreadCall(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LseekCall(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static unsafe partial int WaitIdCall(int idType, int id, byte* info, int options);
}
