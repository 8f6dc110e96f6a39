using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Virt.Store;

namespace Virt.Driver.Qemu;

/// <summary>
/// The destination's decision per migration id (MIGRATION.md, "The destination's outcomes"):
/// <c>STATE/qemu/migrations/ID.outcome</c>, written durably (temporary file, fsync, rename, fsync of the directory)
/// before Finish answers, so a destination restarted after Finish still gives a restarted source the answer it needs
/// to settle its paused copy (Finish is idempotent per migration id). Entries older than the lifetime are removed when
/// the driver opens and whenever a new one is recorded.
/// </summary>
internal sealed class MigrationOutcomes : IDisposable
{
    public const string Extension = ".outcome";

    private readonly DefinitionStore _store;
    private readonly TimeSpan _lifetime;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, MigrationOutcomeEntry> _entries = new(StringComparer.Ordinal);

    public MigrationOutcomes(string directory, TimeSpan lifetime, ILogger logger)
    {
        // Plain (not journaled): a Finish per migration is rare, and the two flushes keep each file durable by itself.
        _store = new DefinitionStore(directory, Extension);
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>Reads what earlier runs recorded, dropping what cannot be read and what has expired.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, content) in await _store.LoadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var entry = MigrationOutcomeEntry.Parse(content);
            if (entry is null || entry.Id != name)
            {
                MigrationLog.OutcomeUnreadable(_logger, Path.Combine(_store.DirectoryPath, name + Extension));
                await _store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                continue;
            }
            _entries[entry.Id] = entry;
        }
        await ExpireAsync().ConfigureAwait(false);
    }

    /// <summary>The recorded decision for <paramref name="id"/>, unless there is none or it has expired.</summary>
    public MigrationOutcomeEntry? Find(string id) =>
        _entries.TryGetValue(id, out var entry) && !IsExpired(entry) ? entry : null;

    /// <summary>
    /// Records a decision durably, then keeps it for <see cref="Find"/>. Should the disk refuse, the decision is still
    /// answered from memory (it has been taken: refusing to say so would leave the source's copy paused for nothing),
    /// and the failure is logged.
    /// </summary>
    public async Task RecordAsync(string id, Guid uuid, string name, MigrationOutcome outcome)
    {
        var entry = new MigrationOutcomeEntry(id, uuid, name, outcome, DateTimeOffset.UtcNow);
        try
        {
            await _store.SaveAsync(id, entry.Format(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            MigrationLog.Failed(_logger, id, name, "recording its outcome durably", e.Message);
        }
        _entries[id] = entry;
        await ExpireAsync().ConfigureAwait(false);
    }

    public void Dispose() => _store.Dispose();

    /// <summary>
    /// Begin makes every migration id a UUID in lowercase (BeginMigrationResponse); Prepare refuses any other, so an
    /// id is always a plain file name.
    /// </summary>
    public static bool IsValidId(string id) =>
        Guid.TryParseExact(id, "D", out var uuid) && uuid.ToString("D", CultureInfo.InvariantCulture) == id;

    private bool IsExpired(MigrationOutcomeEntry entry) => DateTimeOffset.UtcNow - entry.Recorded > _lifetime;

    private async Task ExpireAsync()
    {
        foreach (var entry in _entries.Values.Where(IsExpired))
        {
            try
            {
                await _store.DeleteAsync(entry.Id, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                MigrationLog.Failed(_logger, entry.Id, entry.Name, "removing its expired outcome", e.Message);
                continue;
            }
            _entries.TryRemove(entry.Id, out _);
            MigrationLog.OutcomeExpired(_logger, entry.Id, entry.Name, entry.Outcome);
        }
    }
}
