using System.Globalization;

namespace Virt.Driver.Qemu;

/// <summary>
/// start/create --autodestroy across a restart of virtd. The API layer ties a run to the connection that started it;
/// here the run carries a mark (<see cref="GuestPaths.AutodestroyMark"/>, holding the domain id), because the guest
/// outlives virtd and the connection does not: a virtd that reconnects to a marked run destroys it, as the old virtd
/// would have when the connection closed. The mark goes with the run's other files.
/// </summary>
public sealed partial class QemuDomainDriver : IDomainAutodestroy
{
    public async Task MarkAutodestroyAsync(DomainRef domain, int id, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        if (!current.IsActive || current.Id != id || !_running.TryGetValue(current.Uuid, out var guest))
        {
            return;
        }
        var mark = guest.Paths.AutodestroyMark;
        var temporary = mark + ".tmp";
        try
        {
            // Runtime state, like the live definition: it must survive virtd, not the machine, so it is not flushed.
            await File.WriteAllTextAsync(temporary, id.ToString(CultureInfo.InvariantCulture), CancellationToken.None).ConfigureAwait(false);
            File.Move(temporary, mark, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VirtException(VirtErrorReason.Internal, $"Domain '{current.Name}' started, but its --autodestroy could not be recorded for a restart of virtd ({mark}): {e.Message}. It is destroyed when this connection closes, unless virtd restarts first.",
                new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = mark }, e);
        }
        guest.Autodestroy = true;
        if (guest.Stopped.IsCompleted)
        {
            // Stopped while the mark was written: its clean-up may have run before the mark existed.
            File.Delete(mark);
        }
    }

    /// <summary>The domain id in a run's mark; null when the run has none (or an unreadable one, which no virtd wrote).</summary>
    private static int? ReadAutodestroyMark(GuestPaths paths)
    {
        try
        {
            return int.TryParse(File.ReadAllText(paths.AutodestroyMark), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>After reconnecting: destroys the runs marked for this very run; their connections closed with the old virtd.</summary>
    private async Task DestroyAutodestroyRunsAsync(CancellationToken cancellationToken)
    {
        foreach (var guest in _running.Values.Where(g => g.Autodestroy))
        {
            var name = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(guest.Uuid)?.Name ?? guest.Uuid.ToString("D");
            try
            {
                await DestroyDomainAsync(DomainRef.ByUuid(guest.Uuid), graceful: false, removeLogs: false, cancellationToken).ConfigureAwait(false);
                QemuDriverLog.AutodestroyedOnReconnect(_logger, name, guest.Uuid);
            }
            catch (VirtException e)
            {
                // Stopped on its own meanwhile, or its worker failed the kill: the guest's state says which.
                QemuDriverLog.AutodestroyOnReconnectFailed(_logger, name, guest.Uuid, e.Message);
            }
        }
    }
}
