using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// A descriptor's own file offset (lseek), which .NET's file APIs never read or move (they use pread/pwrite): what the
/// local fast path must leave alone in the caller's open file.
/// </summary>
internal static class FileOffset
{
    private const int SeekSet = 0;
    private const int SeekCurrent = 1;

    public static long Of(SafeFileHandle file) => LSeek(file, 0, SeekCurrent);

    public static void Set(SafeFileHandle file, long offset) => Assert.That(LSeek(file, offset, SeekSet), Is.EqualTo(offset));

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static extern long LSeek(SafeFileHandle fd, long offset, int whence);
}
