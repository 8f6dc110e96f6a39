using Grpc.Core;
using Virt.Driver;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>
/// libvirt's VIR_DOMAIN_START_AUTODESTROY (start and create <c>--autodestroy</c>): the run is destroyed when the
/// connection that started it closes, whether the client closed it or its process ended. The tie lives in this virtd
/// only: a virtd that stops leaves the guest running, as it leaves every guest (its connections close because virtd
/// stops, not because the client went away), and a restarted virtd knows nothing of it.
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
    private void DestroyWhenClosed(DomainSummary started, CancellationToken closed)
    {
        if (closed.CanBeCanceled)
        {
            closed.Register(() => _ = DestroyRunAsync(started));
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
