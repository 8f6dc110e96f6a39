using System.Globalization;
using System.Text;

namespace Virt.Driver;

/// <summary>
/// Reads <c>qemu-img convert -p</c>'s progress: records like <c>    (12.34/100%)</c> separated by carriage returns.
/// Both copies that run qemu-img (virt-clone's disks, vol-create-from) turn it into job progress.
/// </summary>
public static class QemuImgProgress
{
    /// <summary>Reads <paramref name="output"/> to its end, calling <paramref name="fraction"/> with each record's share done (0 to 1).</summary>
    public static async Task ReadAsync(TextReader output, Action<double>? fraction)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new char[256];
        var record = new StringBuilder();
        int read;
        // Never cancelled: the caller kills qemu-img, which ends the output.
        while ((read = await output.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            foreach (var c in buffer.AsSpan(0, read))
            {
                if (c is not ('\r' or '\n'))
                {
                    record.Append(c);
                    continue;
                }
                var text = record.ToString().Trim().TrimStart('(');
                var slash = text.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && double.TryParse(text[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
                {
                    fraction?.Invoke(Math.Clamp(percent / 100, 0, 1));
                }
                record.Clear();
            }
        }
    }
}
