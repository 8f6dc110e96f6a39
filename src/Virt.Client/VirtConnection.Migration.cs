using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>Migration and clone: typed calls over MigrationService and DomainService.CloneDomain.</summary>
public sealed partial class VirtConnection
{
    /// <summary>The generated MigrationService client (virsh migrate and its tunables).</summary>
    public MigrationService.MigrationServiceClient Migration { get; }

    /// <summary>The generated MigrationPeerService client: the daemon-to-daemon phases (a daemon's peer endpoint).</summary>
    public MigrationPeerService.MigrationPeerServiceClient MigrationPeer { get; }

    /// <summary>Any unary MigrationService call on a domain named virsh's way, with errors as <see cref="VirtClientException"/>.</summary>
    /// <typeparam name="T">The reply type.</typeparam>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="call">Starts the call with the reference.</param>
    /// <returns>The reply.</returns>
    public Task<T> MigrationCallAsync<T>(string domain, Func<MigrationService.MigrationServiceClient, Virt.Protocol.V1.DomainRef, AsyncUnaryCall<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return ByDomainAsync(domain, r => call(Migration, r));
    }

    /// <summary>virt-clone: clones the domain and returns the (ended) CLONE job.</summary>
    /// <param name="domain">The original: id, UUID or name.</param>
    /// <param name="request">The clone's name and choices; its source is filled in.</param>
    /// <param name="ct">Cancels the call (not the clone).</param>
    /// <returns>The job.</returns>
    public Task<Job> CloneDomainAsync(string domain, CloneDomainRequest request, CancellationToken ct = default) =>
        ByDomainAsync(domain, request, (call, r) => call.Source = r, call => Domains.CloneDomainAsync(call, cancellationToken: ct));
}
