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
