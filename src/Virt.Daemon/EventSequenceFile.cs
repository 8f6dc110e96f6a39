using System.Globalization;
using Microsoft.Extensions.Logging;
using Virt.Driver;
using Virt.Store;

namespace Virt.Daemon;

/// <summary>
/// Keeps the event log's numbering across restarts in <c>STATE/events/sequence</c>: the log's epoch and a ceiling
/// reserved ahead of the sequences handed out. The log asks for a new ceiling once per <see cref="Block"/> events
/// (one small atomic write, not one per event); after a restart, even a SIGKILL, numbering resumes above the last
/// ceiling, so a number is never handed out twice within an epoch. A subscriber whose cursor lies below the new start
/// gets a gap marker, which is true: the events between were not kept.
/// </summary>
internal sealed class EventSequenceFile
{
    /// <summary>Sequences reserved per write.</summary>
    public const ulong Block = 1024;

    private const string Document = "sequence";
    private readonly DefinitionStore _store;
    private readonly string _epoch;
    private readonly ILogger _logger;

    private EventSequenceFile(DefinitionStore store, string epoch, ILogger logger)
    {
        _store = store;
        _epoch = epoch;
        _logger = logger;
    }

    /// <summary>The event log of this state directory, continuing its epoch and numbering (a new epoch when there is none).</summary>
    public static async Task<EventLog> OpenLogAsync(string stateDir, ILogger logger, CancellationToken cancellationToken)
    {
        var store = new DefinitionStore(Path.Combine(stateDir, "events"), extension: "");
        // Loading also removes the temporary file of a write that was killed.
        var content = (await store.LoadAllAsync(cancellationToken)).FirstOrDefault(d => d.Name == Document).Content;
        string epoch;
        ulong reserved;
        if (content is null)
        {
            epoch = Guid.NewGuid().ToString("N");
            reserved = 0;
            DaemonLog.NewEventEpoch(logger, epoch, "there was none");
        }
        else if (TryParse(content, out var storedEpoch, out var storedCeiling))
        {
            epoch = storedEpoch;
            reserved = storedCeiling;
        }
        else
        {
            // The numbering is lost, so it restarts under a new epoch: clients holding cursors get EPOCH_CHANGED and re-list.
            epoch = Guid.NewGuid().ToString("N");
            reserved = 0;
            DaemonLog.NewEventEpoch(logger, epoch, $"{Path.Combine(store.DirectoryPath, Document)} is unreadable: '{content[..Math.Min(content.Length, 80)]}'");
            store.Save(Document, Format(epoch, 0));
        }
        var file = new EventSequenceFile(store, epoch, logger);
        return new EventLog(lastSequence: reserved, epoch: epoch, reserve: file.Reserve);
    }

    /// <summary>Called by the log under its lock, once per block.</summary>
    private ulong Reserve(ulong first)
    {
        var ceiling = first - 1 + Block;
        try
        {
            _store.Save(Document, Format(_epoch, ceiling));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Refusing would fail a change that has already been committed; numbering goes on, and the error says
            // that a restart now could repeat numbers.
            DaemonLog.SequenceNotSaved(_logger, ceiling, e);
        }
        return ceiling;
    }

    private static string Format(string epoch, ulong ceiling) =>
        $"epoch={epoch}\nreserved={ceiling.ToString(CultureInfo.InvariantCulture)}\n";

    private static bool TryParse(string content, out string epoch, out ulong ceiling)
    {
        epoch = "";
        ceiling = 0;
        var lines = content.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 2 || !lines[0].StartsWith("epoch=", StringComparison.Ordinal) || !lines[1].StartsWith("reserved=", StringComparison.Ordinal))
        {
            return false;
        }
        epoch = lines[0]["epoch=".Length..];
        return epoch.Length > 0 && ulong.TryParse(lines[1]["reserved=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out ceiling);
    }
}
