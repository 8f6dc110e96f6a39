namespace Virt.Vmm.Protocol;

/// <summary>
/// <c>RUN/qemu/UUID.destroying</c>: created by virtd just before it sends QEMU the SIGTERM of a destroy itself (through
/// a pidfd of its own, <see cref="PidFd"/>), so that the worker, which is told nothing before that signal, records the
/// SHUTDOWN QEMU answers it with and the exit that follows as the destroy (libvirt's `destroyed`), not as a shutdown
/// from outside. The worker reads it only then; it is removed with the state file.
/// </summary>
public static class DestroyMark
{
    /// <summary>The mark's path beside the state file <paramref name="stateFile"/>.</summary>
    private static string PathFor(string stateFile) => System.IO.Path.ChangeExtension(stateFile, ".destroying");

    /// <summary>Creates the mark (empty; an existing one is kept).</summary>
    /// <exception cref="IOException">It cannot be created.</exception>
    public static void Set(string stateFile) => File.OpenHandle(PathFor(stateFile), FileMode.OpenOrCreate, FileAccess.Write).Dispose();

    public static bool IsSet(string stateFile) => File.Exists(PathFor(stateFile));

    public static void Clear(string stateFile) => File.Delete(PathFor(stateFile));
}
