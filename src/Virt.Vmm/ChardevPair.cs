using System.Globalization;
using System.Net.Sockets;

namespace Virt.Vmm;

/// <summary>
/// One of QEMU's socket chardevs (the monitor, the console) as a connected socket pair: QEMU inherits one end as a
/// client chardev on an already connected fd (the argv's <c>path=PATH,server=on,wait=off</c> becomes <c>fd=N</c>), the
/// worker keeps the other. Nothing is bound in the file system, so the start creates no socket files (on the run
/// directory's ext4 each new inode cost 0.2-0.7 ms of a start, tools/bench/README.md), no other process can reach
/// QEMU's monitor or console at all, and the worker neither polls nor connects: QEMU's monitor greets on its end as
/// soon as it is up. If QEMU dies first, its end closes with it and the worker's reads end at once.
/// </summary>
internal sealed class ChardevPair : IDisposable
{
    private int _workerFd;
    private int _qemuFd;

    private ChardevPair(int workerFd, int qemuFd)
    {
        _workerFd = workerFd;
        _qemuFd = qemuFd;
    }

    /// <summary>
    /// Makes the pair for the argv's <c>-chardev socket,…,path=PATH,server=on…</c> at <paramref name="path"/> and rewrites
    /// that argument to pass QEMU's end as a client fd; null (argv unchanged) when the argv has no such chardev.
    /// </summary>
    public static ChardevPair? Create(List<string> argv, string path)
    {
        // QEMU's option syntax doubles a comma inside a value (QemuOpts.Escape).
        var option = ",path=" + path.Replace(",", ",,", StringComparison.Ordinal);
        var index = argv.FindIndex(a => a.StartsWith("socket,", StringComparison.Ordinal) && a.Contains(",server=on", StringComparison.Ordinal)
            && (a.EndsWith(option, StringComparison.Ordinal) || a.Contains(option + ",", StringComparison.Ordinal)));
        if (index < 0)
        {
            return null;
        }
        var (workerFd, qemuFd) = Native.ConnectedPair();
        // A client chardev on QEMU's end: path= becomes fd=, and server= and wait= go (QEMU refuses wait= on a client).
        var options = Options(argv[index])
            .Where(o => !o.StartsWith("server=", StringComparison.Ordinal) && !o.StartsWith("wait=", StringComparison.Ordinal))
            .Select(o => o == option[1..] ? "fd=" + qemuFd.ToString(CultureInfo.InvariantCulture) : o);
        argv[index] = string.Join(',', options);
        return new ChardevPair(workerFd, qemuFd);
    }

    /// <summary>The worker's end, as a socket the caller owns from now on.</summary>
    public Socket TakeWorkerEnd()
    {
        var socket = new Socket(new SafeSocketHandle(_workerFd, ownsHandle: true));
        _workerFd = -1;
        return socket;
    }

    /// <summary>Closes this process's copy of QEMU's end once QEMU has its own (after the spawn), so QEMU's exit closes it.</summary>
    public void CloseQemuEnd()
    {
        if (_qemuFd >= 0)
        {
            Native.Close(_qemuFd);
            _qemuFd = -1;
        }
    }

    /// <summary>A QEMU option string's options, each as written (a doubled comma is a comma inside a value, not a separator).</summary>
    private static IEnumerable<string> Options(string argument)
    {
        var start = 0;
        for (var i = 0; i < argument.Length; i++)
        {
            if (argument[i] != ',')
            {
                continue;
            }
            if (i + 1 < argument.Length && argument[i + 1] == ',')
            {
                i++;
                continue;
            }
            yield return argument[start..i];
            start = i + 1;
        }
        yield return argument[start..];
    }

    public void Dispose()
    {
        CloseQemuEnd();
        if (_workerFd >= 0)
        {
            Native.Close(_workerFd);
            _workerFd = -1;
        }
    }
}
