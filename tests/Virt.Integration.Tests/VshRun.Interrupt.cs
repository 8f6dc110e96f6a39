using System.Diagnostics;
using System.Globalization;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// What the Ctrl-C tests of vsh's long jobs (save, managedsave, migrate: JobInterrupt) share: a vsh left running
/// to be signalled, and signals (the save writer that holds a save job halfway is SaveWriterHold).
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
    /// Ctrl-C to a vsh whose save job is held by a stalled stream (<paramref name="hold"/>): vsh must not end (it asks
    /// for the abort and waits), then the stream is let go and vsh waited for.
    /// </summary>
    public static async Task InterruptHeldSaveAsync(Process vsh, ISaveHold hold)
    {
        RequireSigintHandled(vsh);
        Signal("INT", vsh.Id);
        await Task.Delay(1000);
        Assert.That(vsh.HasExited, Is.False, "SIGINT does not end vsh while its job runs: it asks for the abort and waits");
        hold.Release();
        await vsh.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// A SIGINT that is ignored when vsh starts stays ignored (exec keeps SIG_IGN, and .NET installs no handler over
    /// it): a test runner started as a background job of a non-interactive shell passes that on, and vsh then never
    /// sees the Ctrl-C: the job is not aborted and vsh exits 0 once the writer is let go. Say so instead.
    /// </summary>
    private static void RequireSigintHandled(Process vsh)
    {
        var ignored = File.ReadLines($"/proc/{vsh.Id}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(ignored["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.That(mask & (1UL << (2 - 1)), Is.Zero,
            "vsh was started with SIGINT ignored, inherited from the test runner (a background job of a non-interactive shell ignores it): run the tests with SIGINT at its default");
    }
}
