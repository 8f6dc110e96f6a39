using System.Runtime.InteropServices;

namespace Virt.Rpc;

/// <summary>libc calls with no managed equivalent. Plain blittable signatures, so they work under NativeAOT.</summary>
internal static class NativeMethods
{
    [DllImport("libc", EntryPoint = "geteuid", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint NativeGetEuid();

    [DllImport("libc", EntryPoint = "getegid", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint NativeGetEgid();

    public static uint GetUid() => NativeGetEuid();

    public static uint GetGid() => NativeGetEgid();
}
