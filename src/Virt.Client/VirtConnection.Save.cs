using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>virsh save and restore: typed calls over DomainService.SaveDomain and RestoreDomain.</summary>
public sealed partial class VirtConnection
{
    /// <summary>virsh save: starts a SAVE job writing the domain's state to <paramref name="request"/>'s path on the daemon's host.</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="request">Path, state and wait; its domain is filled in.</param>
    /// <param name="ct">Cancels the call (not the job: use domjobabort).</param>
    /// <returns>The job (ended when <c>wait</c> was set).</returns>
    public Task<Job> SaveDomainAsync(string domain, SaveDomainRequest request, CancellationToken ct = default) =>
        ByDomainAsync(domain, request, (call, r) => call.Domain = r, call => Domains.SaveDomainAsync(call, cancellationToken: ct));

    /// <summary>virsh restore: starts a RESTORE job from a save image on the daemon's host.</summary>
    /// <param name="request">Path, state and wait.</param>
    /// <param name="ct">Cancels the call (not the job).</param>
    /// <returns>The job (ended when <c>wait</c> was set); its result names the restored domain.</returns>
    public Task<Job> RestoreDomainAsync(RestoreDomainRequest request, CancellationToken ct = default) =>
        CallAsync(() => Domains.RestoreDomainAsync(request, cancellationToken: ct));
}
