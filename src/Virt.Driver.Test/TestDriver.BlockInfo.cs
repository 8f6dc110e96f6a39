namespace Virt.Driver.Test;

/// <summary>
/// domblkinfo and domcontrol, as libvirt's test driver answers them: every disk with a source has the same made-up
/// sizes (a 1 TiB image), active or not; a running domain's control channel is always free.
/// </summary>
public sealed partial class TestDriver
{
    private static readonly DomainBlockInfo _testBlockInfo = new(Capacity: 1099506450432, Allocation: 1099511627776, Physical: 1099511627776);

    public Task<DomainBlockInfo> GetBlockInfoAsync(DomainRef domain, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(Volatile.Read(ref _domains), domain);
        DiskLookup.WithSource(entry.Name, (entry.Live ?? entry.Persistent)!, device);
        return Task.FromResult(_testBlockInfo);
    }

    public Task<DomainControlInfo> GetControlInfoAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(Volatile.Read(ref _domains), domain);
        RequireActive(entry, "query the control channel of");
        return Task.FromResult(DomainControlInfo.Ok);
    }
}
