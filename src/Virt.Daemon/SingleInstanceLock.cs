using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Daemon;

/// <summary>
/// virtd's one advisory lock, taken with flock(2) itself: .NET's implicit locks (a flock for every FileShare) are off
/// in virtd (Virt.Daemon.csproj), so that no other process's lock on an image or a volume can refuse virtd a file.
/// </summary>
internal static partial class SingleInstanceLock
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int EWouldBlock = 11;

    /// <summary>
    /// Takes an exclusive lock on <paramref name="file"/>; false when another process holds one. The lock goes with the
    /// descriptor, so a crashed virtd never blocks the next one.
    /// </summary>
    public static bool TryTake(SafeFileHandle file)
    {
        if (Flock(file, LockExclusive | LockNonBlocking) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == EWouldBlock ? false : throw new IOException($"flock failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle file, int operation);
}
