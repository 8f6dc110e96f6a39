using System.Diagnostics;

namespace Virt.Driver.Qemu;

/// <summary>
/// One disk copy with <c>qemu-img convert</c>: the format is always given (<c>-f</c>, <c>-O</c>; an image is never
/// probed), the copy goes to a temporary name beside the target and is renamed only once complete, so a failed or
/// cancelled copy leaves no file under the target name. Progress comes from <c>-p</c>.
/// </summary>
internal static class QemuImgCopy
{
    public static async Task CopyAsync(string source, string target, string format, Action<double>? fraction, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(target) ?? ".", "." + Path.GetFileName(target) + ".part-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo("qemu-img") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["convert", "-p", "-f", format, "-O", format, source, temporary])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start");
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var output = QemuImgProgress.ReadAsync(process.StandardOutput, fraction);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await output.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            File.Delete(temporary);
            throw;
        }
        if (process.ExitCode != 0)
        {
            File.Delete(temporary);
            var said = (await errors.ConfigureAwait(false)).Trim();
            throw new VirtException(VirtErrorReason.StorageBackendFailed, $"qemu-img could not copy '{source}' to '{target}': {said}",
                new Dictionary<string, string> { ["path"] = source });
        }
        if (File.Exists(target))
        {
            File.Delete(temporary);
            throw new VirtException(VirtErrorReason.StorageVolumeExists, $"'{target}' appeared while the clone copied to it; it was left alone.",
                new Dictionary<string, string> { ["path"] = target });
        }
        File.Move(temporary, target);
    }
}
