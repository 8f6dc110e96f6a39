namespace Virt.Driver;

/// <summary>
/// A disk's sizes in bytes, as libvirt's virDomainBlockInfo defines them: <paramref name="Capacity"/> what the guest
/// sees, <paramref name="Allocation"/> what is in use (host blocks, or for an active raw disk the highest offset
/// written), <paramref name="Physical"/> what the image takes on the host.
/// </summary>
public sealed record DomainBlockInfo(ulong Capacity, ulong Allocation, ulong Physical);
