using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>The real vsh of this build against a real virtd, and the heartbeat guest's definition and console log.</summary>
internal static partial class VshRun
{
    public static string Binary => RepoPaths.Vsh;

    public static async Task<(int Code, string Out, string Err)> RunAsync(VirtdProcess virtd, params string[] arguments)
    {
        var (process, output, errors) = Start(virtd, arguments);
        using (process)
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
            return (process.ExitCode, await output, await errors);
        }
    }

    private static ProcessStartInfo StartInfo(VirtdProcess virtd, string[] arguments)
    {
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(virtd.AdminUri);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    public static async Task<string> OkAsync(VirtdProcess virtd, params string[] arguments)
    {
        var (code, output, errors) = await RunAsync(virtd, arguments);
        Assert.That(code, Is.Zero, $"vsh {string.Join(' ', arguments)}: {errors}");
        return output;
    }

    /// <summary>
    /// The heartbeat guest as a domain XML file, with extra devices (disks, interfaces), guest kernel flags and another
    /// &lt;vcpu&gt; (with &lt;cputune&gt;) if given.
    /// </summary>
    public static async Task<string> GuestXmlFileAsync(string directory, string name, string devices = "", string kernelFlags = "", string vcpu = "<vcpu>1</vcpu>")
    {
        var guest = await TestGuest.GetAsync();
        var file = Path.Combine(directory, name + ".xml");
        await File.WriteAllTextAsync(file, $"""
            <domain type='qemu'>
              <name>{name}</name>
              <memory unit='MiB'>128</memory>
              {vcpu}
              {guest.DirectBootOsXml(kernelFlags)}
              <features><acpi/></features>
              <devices>
                {devices}
                <serial type='pty'><target port='0'/></serial>
                <console type='pty'><target type='serial' port='0'/></console>
              </devices>
            </domain>
            """);
        return file;
    }

    public static string ConsoleLog(VirtdProcess virtd, string uuid) => Path.Combine(virtd.StateDir, "qemu", "log", uuid + ".console.log");

    public static IReadOnlyList<int> Heartbeats(string log) => File.Exists(log) ? HeartbeatsIn(File.ReadAllLines(log)) : [];

    public static IReadOnlyList<int> HeartbeatsIn(IEnumerable<string> lines) =>
        [.. lines.Select(Heartbeat).OfType<int>()];

    /// <summary>The counter a console line carries, or null for any other line.</summary>
    public static int? Heartbeat(string line) =>
        HeartbeatPattern().Match(line) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    public static async Task<int> WaitForBeatAsync(string log, int above, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var beats = Heartbeats(log);
            if (beats.Count > 0 && beats[^1] > above)
            {
                return beats[^1];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no heartbeat above {above} in {log} within {timeout}: {beats.Count} beats, "
                    + $"the last {(beats.Count > 0 ? beats[^1] : "none")}; the console log ends with «{LogTail(log)}»; "
                    + $"the worker's and QEMU's log with «{LogTail(log.Replace(".console.log", ".log", StringComparison.Ordinal))}»");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A log's last few hundred characters: what the guest and its worker said last tells a stalled guest from a stalled log.</summary>
    private static string LogTail(string log)
    {
        if (!File.Exists(log))
        {
            return "(no log)";
        }
        var text = File.ReadAllText(log);
        return text[Math.Max(0, text.Length - 400)..];
    }

    [GeneratedRegex(@"HEARTBEAT (\d+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HeartbeatPattern();
}
