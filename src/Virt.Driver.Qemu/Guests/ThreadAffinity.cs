using System.Globalization;
using System.Runtime.InteropServices;

namespace Virt.Driver.Qemu;

/// <summary>
/// Host-side facts about QEMU's threads, read and set the way libvirt does without cgroups: affinity with
/// sched_setaffinity, everything else from /proc. A thread id is only used while QEMU (its process) is known to run.
/// </summary>
internal static partial class ThreadAffinity
{
    /// <summary>The host's online CPUs (/sys/devices/system/cpu/online).</summary>
    public static IReadOnlyList<uint> OnlineCpus()
    {
        try
        {
            return CpuSet.TryParse(File.ReadAllText("/sys/devices/system/cpu/online").Trim()) ?? Fallback();
        }
        catch (IOException)
        {
            return Fallback();
        }

        static IReadOnlyList<uint> Fallback() => [.. Enumerable.Range(0, Environment.ProcessorCount).Select(i => (uint)i)];
    }

    /// <summary>Restricts thread <paramref name="tid"/> to <paramref name="cpus"/>.</summary>
    /// <exception cref="IOException">The kernel refused (the errno is in the message).</exception>
    public static void Set(int tid, IReadOnlyList<uint> cpus)
    {
        var mask = new ulong[(CpuSet.MaxCpu + 64) / 64];
        foreach (var cpu in cpus)
        {
            mask[cpu / 64] |= 1UL << (int)(cpu % 64);
        }
        if (SchedSetAffinity(tid, (nuint)(mask.Length * sizeof(ulong)), mask) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"sched_setaffinity of thread {tid.ToString(CultureInfo.InvariantCulture)} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    /// <summary>The CPUs thread <paramref name="tid"/> of <paramref name="pid"/> may run on (Cpus_allowed_list).</summary>
    public static IReadOnlyList<uint> Get(int pid, int tid) =>
        CpuSet.TryParse(StatusField(pid, tid, "Cpus_allowed_list")) ?? throw new IOException($"/proc/{pid}/task/{tid}/status has no Cpus_allowed_list");

    /// <summary>Every thread of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Threads(int pid) =>
        [.. Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task")
            .Select(d => int.Parse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture)).Order()];

    /// <summary>A line of /proc/PID/task/TID/status (or /proc/PID/status when <paramref name="tid"/> is 0), without its key.</summary>
    public static string? StatusField(int pid, int tid, string key)
    {
        var path = tid == 0 ? $"/proc/{pid}/status" : $"/proc/{pid}/task/{tid}/status";
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(key, StringComparison.Ordinal) && line.Length > key.Length && line[key.Length] == ':')
            {
                return line[(key.Length + 1)..].Trim();
            }
        }
        return null;
    }

    /// <summary>
    /// /proc/PID/task/TID/schedstat: time on a CPU and time runnable but waiting, ns (the scheduler's own clock, so
    /// finer than the tick counts of /proc/PID/stat).
    /// </summary>
    public static (ulong RunNs, ulong WaitNs) SchedStat(int pid, int tid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/task/{tid}/schedstat").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (ulong.Parse(fields[0], CultureInfo.InvariantCulture), ulong.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// /proc/PID/stat (or the thread's): user and system time in ns, and the CPU it last ran on. USER_HZ is 100 on
    /// every Linux architecture .NET runs on.
    /// </summary>
    public static (ulong UserNs, ulong SystemNs, int Processor) Stat(int pid, int tid)
    {
        var text = File.ReadAllText(tid == 0 ? $"/proc/{pid}/stat" : $"/proc/{pid}/task/{tid}/stat");
        // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        const ulong NsPerTick = 10_000_000;
        // fields[0] is field 3 (state): utime is field 14, stime 15, processor 39.
        return (ulong.Parse(fields[11], CultureInfo.InvariantCulture) * NsPerTick,
            ulong.Parse(fields[12], CultureInfo.InvariantCulture) * NsPerTick,
            int.Parse(fields[36], CultureInfo.InvariantCulture));
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong[] mask);
}
