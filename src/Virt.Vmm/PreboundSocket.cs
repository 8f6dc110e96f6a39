using System.Globalization;

namespace Virt.Vmm;

/// <summary>
/// A listening Unix socket the worker binds before QEMU starts and hands to it as an inherited fd (the argv's
/// <c>path=</c> becomes <c>fd=N</c>), as libvirt's qemuProcessPrepareMonitorChr does for the monitor. The worker can
/// connect at once: the kernel queues the connection and QEMU accepts it as soon as its main loop runs, so a start
/// never waits on polling for QEMU to create its sockets. If QEMU dies first, the last listening fd closes with it and
/// the queued connection ends, so a failed start is still seen at once.
/// </summary>
internal sealed class PreboundSocket : IDisposable
{
    private readonly int _fd;

    private PreboundSocket(int fd)
    {
        _fd = fd;
    }

    /// <summary>
    /// Binds <paramref name="path"/> and rewrites the argv's <c>-chardev socket,…,path=PATH,server=on…</c> to pass the
    /// fd instead; null (argv unchanged) when the argv has no such server socket at that path.
    /// </summary>
    public static PreboundSocket? Bind(List<string> argv, string path)
    {
        // QEMU's option syntax doubles a comma inside a value (QemuOpts.Escape).
        var option = ",path=" + path.Replace(",", ",,", StringComparison.Ordinal);
        var index = argv.FindIndex(a => a.StartsWith("socket,", StringComparison.Ordinal) && a.Contains(",server=on", StringComparison.Ordinal)
            && (a.EndsWith(option, StringComparison.Ordinal) || a.Contains(option + ",", StringComparison.Ordinal)));
        if (index < 0)
        {
            return null;
        }
        File.Delete(path);
        var fd = Native.ListenUnixInheritable(path);
        var argument = argv[index];
        var at = argument.IndexOf(option, StringComparison.Ordinal);
        argv[index] = string.Concat(argument.AsSpan(0, at), ",fd=", fd.ToString(CultureInfo.InvariantCulture), argument.AsSpan(at + option.Length));
        return new PreboundSocket(fd);
    }

    /// <summary>Closes the worker's copy once QEMU has its own (after the spawn), so QEMU's exit closes the socket.</summary>
    public void Dispose() => Native.Close(_fd);
}
