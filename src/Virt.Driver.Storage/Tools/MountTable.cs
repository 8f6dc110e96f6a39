using System.Globalization;
using System.Text;

namespace Virt.Driver.Storage.Tools;

/// <summary>Whether a directory is a mount point, from /proc/self/mountinfo (its octal escapes decoded).</summary>
internal static class MountTable
{
    public static bool IsMounted(string directory)
    {
        var wanted = Path.TrimEndingDirectorySeparator(directory);
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && Unescape(fields[4]) == wanted)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when the kernel knows the filesystem type (a line of /proc/filesystems).</summary>
    public static bool KernelSupports(string filesystem) =>
        File.ReadLines("/proc/filesystems").Any(l => l.Split('\t').LastOrDefault()?.Trim() == filesystem);

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var bytes = new List<byte>();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                bytes.Add(Convert.ToByte(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
