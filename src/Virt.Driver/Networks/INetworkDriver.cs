namespace Virt.Driver;

/// <summary>
/// What a network driver does. The read side is here now; define/start/destroy/undefine come with the networking
/// issue and follow the same rules as <see cref="IDomainDriver"/>.
/// </summary>
public interface INetworkDriver
{
    /// <summary>Networks, active and inactive, sorted by name as virsh prints them.</summary>
    Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(CancellationToken cancellationToken);

    /// <summary>By name or UUID (as text); unknown is <see cref="VirtErrorReason.NetworkNotFound"/>.</summary>
    Task<NetworkSummary> LookupNetworkAsync(string nameOrUuid, CancellationToken cancellationToken);
}
