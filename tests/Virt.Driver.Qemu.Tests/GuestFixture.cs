using System.Globalization;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Driver.Qemu.Tests;

/// <summary>The heartbeat guest as a libvirt definition (direct kernel boot, small memory), and its console log.</summary>
internal static partial class GuestFixture
{
    public static string VmmBinary
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(RepoPaths.Root, "src", "Virt.Vmm", "bin", configuration, "net10.0", "virt-vmm");
            return File.Exists(path) ? path : throw new FileNotFoundException($"virt-vmm is not built at {path}", path);
        }
    }

    public static string Xml(TestGuest guest, string name, Guid uuid, string kernel = "", string extra = "", string cmdline = "") =>
        $"""
        <domain type='qemu'>
          <name>{name}</name>
          <uuid>{uuid}</uuid>
          <memory unit='MiB'>128</memory>
          <vcpu>1</vcpu>
          {guest.DirectBootOsXml(cmdline, kernel.Length > 0 ? kernel : null)}
          <features><acpi/></features>
          {extra}
          <devices>
            <serial type='pty'><target port='0'/></serial>
            <console type='pty'><target type='serial' port='0'/></console>
          </devices>
        </domain>
        """;

    /// <summary>The heartbeat counters in a console log, in order.</summary>
    public static IReadOnlyList<int> Heartbeats(string consoleLog) =>
        File.Exists(consoleLog)
            ? [.. File.ReadAllText(consoleLog).Split('\n').Select(l => HeartbeatPattern().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))]
            : [];

    /// <summary>Waits until the console log holds a heartbeat above <paramref name="above"/>; returns the newest.</summary>
    public static async Task<int> WaitForHeartbeatAsync(string consoleLog, int above, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var beats = Heartbeats(consoleLog);
            if (beats.Count > 0 && beats[^1] > above)
            {
                return beats[^1];
            }
            if (DateTime.UtcNow > deadline)
            {
                var tail = File.Exists(consoleLog) ? File.ReadAllText(consoleLog) : "(no console log)";
                throw new TimeoutException($"no heartbeat above {above} in {consoleLog} within {timeout}:\n{tail[Math.Max(0, tail.Length - 2000)..]}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    [GeneratedRegex(@"^HEARTBEAT (\d+)\r?$")]
    private static partial Regex HeartbeatPattern();
}
