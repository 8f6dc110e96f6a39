using System.Text;

namespace Virt.Driver.Qemu;

/// <summary>
/// The <c>key=value</c> line format of the migration record and the destination's outcome files: one pair per line,
/// unknown keys kept for the reader to ignore, a line without '=' skipped (a torn tail reads as a missing key).
/// </summary>
internal static class KeyValueLines
{
    public static StringBuilder AppendPair(this StringBuilder text, string key, string value) =>
        text.Append(key).Append('=').Append(value).Append('\n');

    public static Dictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }
        return values;
    }
}
