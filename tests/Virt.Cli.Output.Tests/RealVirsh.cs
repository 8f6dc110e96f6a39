using System.Diagnostics;

namespace Virt.Cli.Output.Tests;

/// <summary>Runs Debian's real virsh against test:///default (no daemon needed), without a shell.</summary>
internal static class RealVirsh
{
    private const string Mark = "@@virt-cli-output-mark@@";

    /// <summary>The result of one virsh invocation.</summary>
    internal sealed record Result(string Stdout, string Stderr, int ExitCode);

    /// <summary>Runs <c>virsh -c test:///default [-q] COMMANDS</c> with LC_ALL=<paramref name="locale"/>.</summary>
    public static async Task<Result> RunAsync(string commands, string locale = "C.UTF-8", bool quiet = false)
    {
        var psi = new ProcessStartInfo("virsh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("test:///default");
        if (quiet)
        {
            psi.ArgumentList.Add("-q");
        }

        psi.ArgumentList.Add(commands);
        psi.Environment["LC_ALL"] = locale;
        psi.Environment.Remove("LANG");
        psi.Environment.Remove("LANGUAGE");

        // virsh 9.0 sometimes hangs for good after managedsave (its job-watch thread races the test driver's
        // event loop; about half the runs here). A healthy run takes milliseconds, so kill and retry.
        for (var attempt = 1; ; attempt++)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start virsh");
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
                return new Result(await stdout, await stderr, process.ExitCode);
            }
            catch (OperationCanceledException) when (attempt < 12)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="setup"/> (';'-separated virsh commands that change the in-memory state) and then
    /// <paramref name="command"/> in the same virsh process, and returns exactly what <paramref name="command"/>
    /// printed: the state of test:///default lives only as long as one virsh process.
    /// </summary>
    public static async Task<Result> RunAfterAsync(string setup, string command, string locale = "C.UTF-8")
    {
        var all = await RunAsync($"{setup}; echo {Mark}; {command}", locale);
        var at = all.Stdout.IndexOf(Mark + "\n", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"setup '{setup}' did not reach the mark:\n{all.Stdout}\n{all.Stderr}");
        return all with { Stdout = all.Stdout[(at + Mark.Length + 1)..] };
    }

    /// <summary>The "CPU time:" of a dominfo output in nanoseconds: the test driver reports wall-clock time.</summary>
    public static ulong CpuTimeOf(string dominfo)
    {
        var line = dominfo.Split('\n').Single(l => l.StartsWith("CPU time:", StringComparison.Ordinal));
        var seconds = line["CPU time:".Length..].Trim().TrimEnd('s');
        var parts = seconds.Split('.');
        return (ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1_000_000_000UL)
            + (ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 100_000_000UL);
    }
}
