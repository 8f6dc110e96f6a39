using System.Text;

namespace Virt.Cli.Output;

/// <summary>
/// <c>virsh domjobinfo</c>'s text, line for line as cmdDomjobinfo (tools/virsh-domain.c, libvirt 9) prints it: labels
/// left-aligned in 17 columns (<c>%-17s</c>), numbers in 12 (<c>%-12llu</c>, trailing spaces included), sizes through
/// vshPrettyCapacity with three decimals.
/// </summary>
public static class DomainJobInfoFormatter
{
    private static readonly string[] _types = ["None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled"];

    private static readonly string[] _operations =
        ["Unknown", "Start", "Save", "Restore", "Incoming migration", "Outgoing migration", "Snapshot", "Snapshot revert", "Dump", "Backup", "Snapshot delete"];

    /// <summary>
    /// The whole output, one line per statistic the job reported; only the job type line when the job has none or
    /// <paramref name="statistics"/> is false (virsh leaves out a failed job's statistics unless asked with --anystats).
    /// </summary>
    public static string Format(DomainJobInfo job, bool statistics = true)
    {
        ArgumentNullException.ThrowIfNull(job);
        var text = new StringBuilder();
        Line(text, "Job type:", Pad(job.Type >= 0 && job.Type < _types.Length ? _types[job.Type] : "unknown"));
        if (job.Type == 0 || !statistics)
        {
            return text.ToString();
        }
        Line(text, "Operation:", Pad(job.Operation >= 0 && job.Operation < _operations.Length ? _operations[job.Operation] : "Unknown"));
        Line(text, "Time elapsed:", Ms(job.ElapsedMs));
        if (job.ElapsedNetMs is { } net)
        {
            Line(text, "Time elapsed w/o network:", Ms(net));
        }
        if (job.Type == 1)
        {
            Line(text, "Time remaining:", Ms(job.RemainingMs));
        }
        if (job.DataTotal != 0 || job.DataRemaining != 0 || job.DataProcessed != 0)
        {
            Line(text, "Data processed:", Size(job.DataProcessed));
            Line(text, "Data remaining:", Size(job.DataRemaining));
            Line(text, "Data total:", Size(job.DataTotal));
        }
        if (job.MemoryTotal != 0 || job.MemoryRemaining != 0 || job.MemoryProcessed != 0)
        {
            Line(text, "Memory processed:", Size(job.MemoryProcessed));
            Line(text, "Memory remaining:", Size(job.MemoryRemaining));
            Line(text, "Memory total:", Size(job.MemoryTotal));
        }
        if (job.MemoryBytesPerSecond is { } bps and not 0)
        {
            Line(text, "Memory bandwidth:", Size(bps) + "/s");
        }
        if (job.DirtyRate is { } dirty)
        {
            Line(text, "Dirty rate:", Pad(CFormat.UInt(dirty)) + " pages/s");
        }
        if (job.PageSize is { } page)
        {
            Line(text, "Page size:", Pad(CFormat.UInt(page)) + " bytes");
        }
        if (job.Iteration is { } iteration)
        {
            Line(text, "Iteration:", Pad(CFormat.UInt(iteration)));
        }
        if (job.PostcopyRequests is { } requests)
        {
            Line(text, "Postcopy requests:", Pad(CFormat.UInt(requests)));
        }
        if (job.DiskTotal != 0 || job.DiskRemaining != 0 || job.DiskProcessed != 0)
        {
            Line(text, "File processed:", Size(job.DiskProcessed));
            Line(text, "File remaining:", Size(job.DiskRemaining));
            Line(text, "File total:", Size(job.DiskTotal));
        }
        if (job.DiskBytesPerSecond is { } diskBps and not 0)
        {
            Line(text, "File bandwidth:", Size(diskBps) + "/s");
        }
        if (job.ConstantPages is { } constant)
        {
            Line(text, "Constant pages:", Pad(CFormat.UInt(constant)));
        }
        if (job.NormalPages is { } normal)
        {
            Line(text, "Normal pages:", Pad(CFormat.UInt(normal)));
        }
        if (job.NormalBytes is { } normalBytes)
        {
            Line(text, "Normal data:", Size(normalBytes));
        }
        if (job.DowntimeMs is { } downtime)
        {
            Line(text, job.Type == 3 ? "Total downtime:" : "Expected downtime:", Ms(downtime));
        }
        if (job.DowntimeNetMs is { } downtimeNet)
        {
            Line(text, "Downtime w/o network:", Ms(downtimeNet));
        }
        if (job.SetupTimeMs is { } setup)
        {
            Line(text, "Setup time:", Ms(setup));
        }
        if (job.AutoConvergeThrottle is { } throttle)
        {
            Line(text, "Auto converge throttle:", CFormat.Int(throttle).PadRight(13) + " %");
        }
        if (job.ErrorMessage is { } error)
        {
            Line(text, "Error message:", error);
        }
        return text.ToString();
    }

    // "%-17s %s\n": labels longer than 17 columns push the value right, as printf does.
    private static void Line(StringBuilder text, string label, string value) => text.Append(label.PadRight(17)).Append(' ').Append(value).Append('\n');

    private static string Pad(string value) => value.PadRight(12);

    private static string Ms(ulong ms) => Pad(CFormat.UInt(ms)) + " ms";

    // "%-.3lf %s": no padding.
    private static string Size(ulong bytes) => Capacity.Format(bytes, 3);
}
