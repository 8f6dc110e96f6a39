using System.Globalization;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Runtime;

/// <summary>
/// virsh --verbose for a long job (virshWatchJob, virshPrintJobProgress): follows the job with WatchJob and writes
/// "\rLABEL: [ 42 %]" on stderr whenever it reports data, then "\rLABEL: [100 %]" once it succeeded, followed by a
/// newline unless the command's own message starts with one (save and managedsave: "\nDomain ... saved").
/// </summary>
internal static class JobProgressLine
{
    public static async Task<Proto.Job> FollowAsync(CommandContext c, VirtConnection connection, Proto.Job job, string label, bool newlineAfterSuccess, CancellationToken ct)
    {
        var err = c.Session.Terminal.Err;
        await foreach (var update in connection.WatchJobAsync(job.Id, TimeSpan.FromMilliseconds(500), ct))
        {
            job = update;
            if (update.State == Proto.JobState.Succeeded)
            {
                await err.WriteAsync(Format(label, 0, 1) + (newlineAfterSuccess ? "\n" : ""));
            }
            else if (update.Progress is { DataTotalBytes: > 0 } progress && !IsEnded(update.State))
            {
                await err.WriteAsync(Format(label, progress.DataRemainingBytes, progress.DataTotalBytes));
            }
            await err.FlushAsync(ct);
        }
        return job;
    }

    /// <summary>virshPrintJobProgress: the share done, truncated, never rounded up to 100 % before the end.</summary>
    public static string Format(string label, ulong remaining, ulong total)
    {
        var percent = remaining == 0 ? 100.0 : (1.0 - (double)remaining / total) * 100;
        return percent is > 99 and < 100
            ? $"\r{label}: [ 99 %]"
            : string.Create(CultureInfo.InvariantCulture, $"\r{label}: [{(int)percent,3} %]");
    }

    private static bool IsEnded(Proto.JobState state) => state is Proto.JobState.Succeeded or Proto.JobState.Failed or Proto.JobState.Cancelled;
}
