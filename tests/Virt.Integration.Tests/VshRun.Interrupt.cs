using System.Diagnostics;
using System.Globalization;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// What the Ctrl-C tests of vsh's long jobs (save, managedsave, migrate: JobInterrupt) share: a vsh left running
/// to be signalled, signals, and the save writer a test stops to hold a save job halfway.
/// </summary>
internal static partial class VshRun
{
    /// <summary>vsh started and left running (stdin closed, its output collected) for a test to signal.</summary>
    public static (Process Process, Task<string> Output, Task<string> Errors) Start(VirtdProcess virtd, params string[] arguments)
    {
        var process = Process.Start(StartInfo(virtd, arguments))!;
        process.StandardInput.Close();
        return (process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    /// <summary>kill -SIGNAL PID (INT for Ctrl-C, STOP and CONT to hold a process and let it go).</summary>
    public static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>
    /// Ctrl-C to a vsh whose save job is held by its stopped <paramref name="writer"/>: vsh must not end (it asks for
    /// the abort and waits), then the writer is let go and vsh waited for.
    /// </summary>
    public static async Task InterruptHeldSaveAsync(Process vsh, int writer)
    {
        Signal("INT", vsh.Id);
        await Task.Delay(1000);
        Assert.That(vsh.HasExited, Is.False, "SIGINT does not end vsh while its job runs: it asks for the abort and waits");
        Signal("CONT", writer);
        await vsh.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// Finds the save's writer (the <c>cat</c> QEMU's exec: URI runs, its stdout the temp file <c>.IMAGE.RANDOM.part</c>
    /// in <paramref name="directory"/>) and stops it with SIGSTOP, as a stalled disk would stall it: the save job then
    /// stays halfway until the test sends SIGCONT. Returns its pid.
    /// </summary>
    public static async Task<int> StopSaveWriterAsync(string directory, string imageName, TimeSpan timeout)
    {
        var prefix = Path.Combine(directory, "." + imageName + ".");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var proc in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(proc), out var pid))
                {
                    continue;
                }
                try
                {
                    var target = new FileInfo(Path.Combine(proc, "fd", "1")).LinkTarget;
                    if (target is not null && target.StartsWith(prefix, StringComparison.Ordinal)
                        && (await File.ReadAllTextAsync(Path.Combine(proc, "comm"))).Trim() == "cat")
                    {
                        Signal("STOP", pid);
                        return pid;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile, or not ours.
                }
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no save writer into {prefix}* within {timeout}");
    }
}
