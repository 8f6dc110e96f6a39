using Grpc.Core;
using Virt.Driver;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>
/// libvirt's VIR_DOMAIN_START_AUTODESTROY (start and create <c>--autodestroy</c>): the run is destroyed when the
/// connection that started it closes, whether the client closed it or its process ended. The tie to the connection lives
/// in this virtd; a virtd that stops leaves the guest running, as it leaves every guest (its connections close because
/// virtd stops, not because the client went away). A driver whose guests outlive virtd marks the run
/// (<see cref="IDomainAutodestroy"/>) before the start is answered, and the next virtd destroys it when it reconnects:
/// the connection is gone by then.
/// </summary>
internal sealed partial class DomainApi
{
    /// <summary>The call's connection close, checked before the start: a connection that cannot report its close cannot hold a guest.</summary>
    private static CancellationToken AutodestroyConnection(bool autodestroy, ServerCallContext context)
    {
        if (!autodestroy)
        {
            return CancellationToken.None;
        }
        var closed = context.GetConnectionInfo().Closed;
        Requests.Unsupported(!closed.CanBeCanceled, "autodestroy",
            "destroying the domain when the connection closes (--autodestroy) on a connection that does not report its close");
        return closed;
    }

    /// <summary>Destroys this run of <paramref name="started"/> once <paramref name="closed"/> fires (at once if it has).</summary>
    private async Task DestroyWhenClosedAsync(DomainSummary started, CancellationToken closed)
    {
        if (!closed.CanBeCanceled)
        {
            return;
        }
        // Tied first, so that a mark that fails to be written still leaves this virtd's tie.
        closed.Register(() => _ = DestroyRunAsync(started));
        if (driver is IDomainAutodestroy marks)
        {
            // Not cancelled with the call: the start has happened, and its mark must be written whatever the client does.
            await marks.MarkAutodestroyAsync(DomainRef.ByUuid(started.Uuid), started.Id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task DestroyRunAsync(DomainSummary started)
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }
        var reference = DomainRef.ByUuid(started.Uuid);
        try
        {
            // The same run only: a guest stopped meanwhile and started again by someone else is not this connection's.
            var current = await driver.LookupDomainAsync(reference, stopping).ConfigureAwait(false);
            if (current.IsActive && current.Id == started.Id)
            {
                await driver.DestroyDomainAsync(reference, graceful: false, removeLogs: false, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is VirtException or OperationCanceledException)
        {
            // Undefined, stopped or destroyed meanwhile, or virtd is stopping: nothing of this run is left to destroy.
        }
    }
}
