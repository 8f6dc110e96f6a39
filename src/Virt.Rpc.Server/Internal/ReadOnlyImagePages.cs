using System.Globalization;
using System.Runtime.InteropServices;

namespace Virt.Rpc.Server.Internal;

/// <summary>
/// Unmaps the pages of the executable's read-only segments that start-up read and a quiet server does not need. A
/// NativeAOT image keeps most of its type data dehydrated in .rodata and rebuilds it into memory at start; start-up
/// also reads unwind tables, metadata and the loader's tables. Those pages stay mapped (and counted in the RSS)
/// long after: with 1,000 definitions virtd held 8.9 MiB of its read-only segment at rest, and the calls a daemon
/// serves touched 1.4-2.2 MiB of it again (tools/bench/README.md, "The read-only image at rest").
/// Only mappings that are private, backed by the executable, neither writable nor executable, and hold no private
/// (copy-on-write) page are released: such a page is byte for byte the file's, so <c>MADV_DONTNEED</c> merely drops the
/// mapping and the next read maps it again from the page cache. A RELRO page (relocated by the loader, then made
/// read-only) has private pages and is left alone; so is the code, whose re-faults would land on the next call.
/// </summary>
internal static partial class ReadOnlyImagePages
{
    private const int MadviseDontNeed = 4;

    /// <summary>Releases the eligible mappings; returns how many resident KiB they held, 0 where /proc is unreadable.</summary>
    public static long Release()
    {
        if (Environment.ProcessPath is not { } executable)
        {
            return 0;
        }
        long releasedKib = 0;
        foreach (var mapping in Releasable(ReadMappings("/proc/self/smaps"), executable))
        {
            if (Madvise((nint)mapping.Start, (nuint)(mapping.End - mapping.Start), MadviseDontNeed) == 0)
            {
                releasedKib += mapping.ResidentKib;
            }
        }
        return releasedKib;
    }

    internal static IEnumerable<Mapping> Releasable(IEnumerable<Mapping> mappings, string executable) =>
        mappings.Where(m => m.Permissions == "r--p" && m.Path == executable && m.AnonymousKib == 0 && m.ResidentKib > 0);

    internal static List<Mapping> ReadMappings(string smapsPath)
    {
        var mappings = new List<Mapping>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(smapsPath);
        }
        catch (IOException)
        {
            return mappings;
        }
        catch (UnauthorizedAccessException)
        {
            return mappings;
        }
        Mapping? current = null;
        foreach (var line in lines)
        {
            if (TryParseHeader(line) is { } header)
            {
                if (current is not null)
                {
                    mappings.Add(current);
                }
                current = header;
            }
            else if (current is not null && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                current = current with { ResidentKib = KibOf(line) };
            }
            else if (current is not null && line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                current = current with { AnonymousKib = KibOf(line) };
            }
        }
        if (current is not null)
        {
            mappings.Add(current);
        }
        return mappings;
    }

    // "start-end perms offset dev inode   path"; a field line ("Rss:   12 kB") has no address range in its first word.
    private static Mapping? TryParseHeader(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5)
        {
            return null;
        }
        var range = fields[0].Split('-');
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
        {
            return null;
        }
        return new Mapping(start, end, fields[1], fields.Length == 6 ? fields[5].Trim() : string.Empty, 0, 0);
    }

    // "Rss:                 123 kB"
    private static long KibOf(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : 0;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    internal sealed record Mapping(ulong Start, ulong End, string Permissions, string Path, long ResidentKib, long AnonymousKib);
}
