using System.Globalization;

namespace Virt.Vmm;

/// <summary>The worker's log: timestamped lines on stderr, which is the guest's log file (QEMU writes there too).</summary>
internal static class WorkerLog
{
    public static void Write(string message) =>
        Console.Error.WriteLine($"{DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} virt-vmm[{Environment.ProcessId}]: {message}");
}
