using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace Virt.Vmm;

/// <summary>
/// Starts QEMU with <c>posix_spawnp</c> instead of <see cref="System.Diagnostics.Process"/>, so that the worker is the
/// only one to reap it. .NET's SIGCHLD handling reaps a <c>Process</c> child whenever its signal thread runs, after
/// which QEMU's pid may belong to another process and a <c>kill</c> by pid could reach it; here QEMU stays a zombie
/// until the exit watcher reaps it, and signals go through a pidfd (<see cref="Virt.Vmm.Protocol.PidFd"/>).
/// </summary>
internal static partial class QemuSpawn
{
    // glibc's posix_spawnattr_t is 336 bytes on x86-64; a larger buffer costs nothing.
    private const int SpawnAttributesSize = 512;
    private const int SigSetSize = 128;
    private const short PosixSpawnSetSigDefault = 0x04;
    private const short PosixSpawnSetSigMask = 0x08;

    /// <summary>
    /// Spawns <paramref name="argv"/> (argv[0] looked up in this process's PATH, as execvp does) with
    /// <paramref name="environment"/> ("NAME=value" each; this process's own when empty), its stdio and every
    /// descriptor without close-on-exec, all signals at their default action and none blocked: what an exec from a
    /// shell gives. Returns the child's pid.
    /// </summary>
    /// <exception cref="IOException">The program could not be started (not found, not executable).</exception>
    public static unsafe int Start(IReadOnlyList<string> argv, IReadOnlyCollection<string> environment)
    {
        var strings = new List<nint>();
        try
        {
            var arguments = NullTerminated(argv, strings);
            var variables = NullTerminated(environment.Count > 0 ? environment : EnvironmentLines(), strings);
            var attributes = stackalloc byte[SpawnAttributesSize];
            var signals = stackalloc byte[SigSetSize];
            Check(SpawnAttrInit(attributes), "posix_spawnattr_init");
            try
            {
                // sigfillset and sigemptyset fail only on a bad pointer.
                _ = SigFillSet(signals);
                Check(SpawnAttrSetSigDefault(attributes, signals), "posix_spawnattr_setsigdefault");
                _ = SigEmptySet(signals);
                Check(SpawnAttrSetSigMask(attributes, signals), "posix_spawnattr_setsigmask");
                Check(SpawnAttrSetFlags(attributes, PosixSpawnSetSigDefault | PosixSpawnSetSigMask), "posix_spawnattr_setflags");
                int pid;
                var error = SpawnP(&pid, (byte*)arguments[0], null, attributes, (byte**)arguments, (byte**)variables);
                if (error != 0)
                {
                    throw new IOException($"cannot start {argv[0]}: {Marshal.GetPInvokeErrorMessage(error)}");
                }
                return pid;
            }
            finally
            {
                _ = SpawnAttrDestroy(attributes);
            }
        }
        finally
        {
            foreach (var pointer in strings)
            {
                Marshal.FreeHGlobal(pointer);
            }
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    private static IEnumerable<string> EnvironmentLines()
    {
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            yield return $"{variable.Key}={variable.Value}";
        }
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings; every allocation is added to <paramref name="allocated"/>.</summary>
    private static unsafe nint* NullTerminated(IEnumerable<string> values, List<nint> allocated)
    {
        var items = values.ToList();
        var array = (nint*)Marshal.AllocHGlobal((items.Count + 1) * sizeof(nint));
        allocated.Add((nint)array);
        for (var i = 0; i < items.Count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(items[i] + "\0");
            var copy = Marshal.AllocHGlobal(bytes.Length);
            allocated.Add(copy);
            Marshal.Copy(bytes, 0, copy, bytes.Length);
            array[i] = copy;
        }
        array[items.Count] = 0;
        return array;
    }

    [LibraryImport("libc", EntryPoint = "posix_spawnp")]
    private static unsafe partial int SpawnP(int* pid, byte* file, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static unsafe partial int SpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static unsafe partial int SpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static unsafe partial int SpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static unsafe partial int SpawnAttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static unsafe partial int SpawnAttrSetSigMask(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    private static unsafe partial int SigFillSet(void* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static unsafe partial int SigEmptySet(void* signals);
}
