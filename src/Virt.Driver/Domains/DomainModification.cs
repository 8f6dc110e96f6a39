namespace Virt.Driver;

/// <summary>
/// Which definition a change applies to (virsh's <c>--live</c>, <c>--config</c>, <c>--current</c>): the running
/// domain, the persistent definition, or both. Current means live when active and config otherwise.
/// </summary>
[Flags]
public enum DomainModification
{
    Current = 0,
    Live = 1,
    Config = 2,
}

/// <summary>libvirt's rules for <see cref="DomainModification"/>, shared by every driver.</summary>
public static class DomainModificationRules
{
    /// <summary>
    /// Which definitions a change touches (virDomainObjGetDefs): current is live when active, else config; live on an
    /// inactive domain and config on a transient one are refused with libvirt's words.
    /// </summary>
    /// <exception cref="VirtException">OperationInvalid, naming <paramref name="operation"/>.</exception>
    public static (bool Live, bool Config) Targets(this DomainModification modification, DomainSummary domain, string operation)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var live = modification.HasFlag(DomainModification.Live) || (modification == DomainModification.Current && domain.IsActive);
        var config = modification.HasFlag(DomainModification.Config) || (modification == DomainModification.Current && !domain.IsActive);
        if (live && !domain.IsActive)
        {
            throw VirtException.OperationInvalid(domain.Name, operation, domain.State, "domain is not running");
        }
        if (config && !domain.Persistent)
        {
            throw VirtException.OperationInvalid(domain.Name, operation, domain.State, "transient domains do not have any persistent config");
        }
        return (live, config);
    }

    /// <summary>
    /// virDomainObjGetOneDefState: as <see cref="Targets"/>, for a change that touches one definition only (live and
    /// config together are refused); true for the live one.
    /// </summary>
    /// <exception cref="VirtException">InvalidArgument for both flags, or as <see cref="Targets"/>.</exception>
    public static bool TargetsLive(this DomainModification modification, DomainSummary domain, string operation)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (modification == (DomainModification.Live | DomainModification.Config))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
                new Dictionary<string, string> { ["domain"] = domain.Name });
        }
        return modification.Targets(domain, operation).Live;
    }
}
