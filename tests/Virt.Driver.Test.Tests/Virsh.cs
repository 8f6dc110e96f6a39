using System.Diagnostics;

namespace Virt.Driver.Test.Tests;

/// <summary>
/// Runs the real <c>virsh -c test:///default</c> (libvirt's own test driver, in-process, no daemon) so the tests compare
/// with libvirt rather than with what we believe libvirt does. Every virsh process starts from a fresh fixture, so
/// a scenario is one chain of commands in one process; <see cref="RunChainAsync"/> returns each command's output.
/// </summary>
internal static class Virsh
{
    private const string Marker = "@@virt-test-marker@@";

    /// <summary>Runs one virsh command and returns its stdout; fails the test when virsh fails.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var (stdout, stderr, exitCode) = await ExecAsync(arguments);
        Assert.That(exitCode, Is.Zero, $"virsh {string.Join(' ', arguments)} failed: {stderr}");
        return stdout;
    }

    /// <summary>
    /// Runs <paramref name="commands"/> in one virsh process (so later ones see earlier ones' changes) and returns the
    /// trimmed stdout of each, plus stderr (virsh goes on after a failed command and reports it there).
    /// </summary>
    public static async Task<(IReadOnlyList<string> Outputs, string Errors)> RunChainAsync(IReadOnlyList<string> commands)
    {
        var chain = string.Join(" ; ", commands.Select(c => $"{c} ; echo {Marker}"));
        var (stdout, stderr, _) = await ExecAsync(["-q", chain]);
        var parts = stdout.Split(Marker);
        Assert.That(parts, Has.Length.EqualTo(commands.Count + 1), $"virsh output did not split into {commands.Count} parts:\n{stdout}\n{stderr}");
        return ([.. parts.Take(commands.Count).Select(p => p.Trim())], stderr);
    }

    /// <summary>Parses virsh's <c>Key:   value</c> listings (dominfo, net-info, nodeinfo).</summary>
    public static IReadOnlyDictionary<string, string> Fields(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains(':', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.Ordinal);

    /// <summary>The rows of a virsh table (after the header and the dashes), split on runs of spaces.</summary>
    public static IReadOnlyList<string[]> Rows(string output) =>
        [.. output.Split('\n').SkipWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).Skip(1)
            .Where(l => l.Trim().Length > 0)
            .Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim(), "\\s{2,}"))];

    private static async Task<(string Stdout, string Stderr, int ExitCode)> ExecAsync(IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo("virsh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("test:///default");
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        psi.Environment["LC_ALL"] = "C";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start virsh (Debian's libvirt-clients)");
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (await stdout, await stderr, process.ExitCode);
    }
}
