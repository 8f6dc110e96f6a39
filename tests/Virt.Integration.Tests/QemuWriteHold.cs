using System.Diagnostics;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// Holds a raw save job halfway, as a disk that stalls mid-stream would: QEMU writes a raw save's stream into the
/// image itself (getfd + migrate fd:), so nothing of ours runs between QEMU and the file to stop (as
/// <see cref="SaveWriterHold"/> stops a compressor). Instead strace, attached to the guest's QEMU before the save,
/// delays QEMU's <c>writev</c> calls from the third on (<c>inject=writev:delay_enter</c>): the stream's first
/// writes reach the file, then QEMU's migration thread waits inside <c>writev</c> while the rest of QEMU (its
/// monitor: query-migrate, migrate_cancel) carries on, for as long as the test wants. <see cref="Release"/> ends
/// strace, which lets the held call go on. QEMU's file channel is the only writer of <c>writev</c> in QEMU 7.2 (its
/// sockets use sendmsg, its event notifiers write).
/// </summary>
internal sealed class QemuWriteHold : ISaveHold, IDisposable
{
    private readonly Process _strace;
    private readonly string _directory;

    private QemuWriteHold(Process strace, string directory) => (_strace, _directory) = (strace, directory);

    /// <summary>
    /// Attaches to the QEMU of the running guest <paramref name="uuid"/>; returns once every QEMU thread is traced.
    /// The next stream QEMU writes into a file in <paramref name="directory"/> holds there.
    /// </summary>
    public static async Task<QemuWriteHold> AttachAsync(VirtdProcess virtd, string uuid, string directory)
    {
        var state = File.ReadAllLines(Path.Combine(virtd.RunDir, "qemu", uuid + ".state"));
        var pid = int.Parse(state.Single(l => l.StartsWith("qemu_pid=", StringComparison.Ordinal))["qemu_pid=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("/usr/bin/strace") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-f", "-qq", "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-e", "trace=writev", "-e", "inject=writev:delay_enter=3600s:when=3+", "-o", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }
        var strace = Process.Start(start) ?? throw new InvalidOperationException("strace did not start");
        var hold = new QemuWriteHold(strace, directory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!AllTraced(pid))
        {
            if (strace.HasExited || DateTime.UtcNow > deadline)
            {
                hold.Dispose();
                throw new InvalidOperationException($"strace did not attach to QEMU (pid {pid}): {await strace.StandardError.ReadToEndAsync()}");
            }
            await Task.Delay(20);
        }
        return hold;
    }

    /// <summary>
    /// Waits until the stream is held: a file in the directory has more than the 4 KiB header and has not grown for
    /// half a second (QEMU writes it at hundreds of MB/s when it is not held).
    /// </summary>
    public async Task WaitHeldAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long last = -1;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var length = Directory.Exists(_directory) ? Directory.GetFiles(_directory).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max() : 0;
            if (length != last)
            {
                (last, since) = (length, DateTime.UtcNow);
            }
            else if (length > 4096 && DateTime.UtcNow - since > TimeSpan.FromMilliseconds(500))
            {
                return;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no save stream held in {_directory} within {timeout} (largest file {last} bytes)");
    }

    /// <summary>Ends strace: QEMU's held writev goes on.</summary>
    public void Release()
    {
        if (!_strace.HasExited)
        {
            VshRun.Signal("TERM", _strace.Id);
            _strace.WaitForExit();
        }
    }

    public void Dispose()
    {
        Release();
        _strace.Dispose();
    }

    private static bool AllTraced(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task").All(task =>
                File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("TracerPid:", StringComparison.Ordinal))["TracerPid:".Length..].Trim() != "0");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
