using System.Runtime.InteropServices;

namespace Virt.Vmm.Protocol;

/// <summary><c>renameat2(RENAME_EXCHANGE)</c>, which .NET does not offer: two names swap their files atomically.</summary>
internal static partial class RenameFiles
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    /// <summary>Swaps the files of <paramref name="first"/> and <paramref name="second"/>; false when one of them does not exist or the file system cannot swap.</summary>
    public static bool TryExchange(string first, string second) => RenameAt2(AtFdCwd, first, AtFdCwd, second, RenameExchange) == 0;

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);
}
