using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Rpc;

/// <summary>The pidfd calls (Linux 5.6+, glibc 2.36+) behind <see cref="PeerProcess"/>. Blittable, so NativeAOT-safe.</summary>
internal static partial class PeerProcessNativeMethods
{
    public const int Eperm = 1;
    public const int Esrch = 3;
    public const int Ebadf = 9;

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    public static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "pidfd_getfd", SetLastError = true)]
    public static partial int PidFdGetFd(SafeFileHandle pidfd, int targetfd, uint flags);

    [LibraryImport("libc", EntryPoint = "pidfd_send_signal", SetLastError = true)]
    public static partial int PidFdSendSignal(SafeFileHandle pidfd, int signal, nint info, uint flags);
}
