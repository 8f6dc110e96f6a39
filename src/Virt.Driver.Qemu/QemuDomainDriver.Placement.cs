namespace Virt.Driver.Qemu;

/// <summary>
/// The vCPU placement policy at start: the running guests' vCPUs plus those of guests being started right now must stay
/// within <see cref="QemuDriverOptions.Placement"/>. Starts of different domains run in parallel, so a start reserves
/// its vCPUs under one lock until it has committed (or failed); two starts can never both take the last vCPUs.
/// </summary>
public sealed partial class QemuDomainDriver
{
    private readonly Lock _placementLock = new();
    private readonly Dictionary<Guid, int> _startingVcpus = [];

    /// <summary>Checks the policy for <paramref name="definition"/> and holds its vCPUs until the returned scope ends.</summary>
    /// <exception cref="VirtException">ResourceLimit: starting it would exceed the policy.</exception>
    private PlacementReservation ReserveVcpus(Virt.Domain.DomainDefinition definition)
    {
        var requested = VcpuPlacementPolicy.VcpusOf(definition);
        lock (_placementLock)
        {
            var running = Volatile.Read(ref _snapshot).ByUuid.Values
                .Where(d => d.IsActive && d.Uuid != definition.Uuid)
                .Sum(d => VcpuPlacementPolicy.VcpusOf(d.Definition));
            var starting = _startingVcpus.Where(s => s.Key != definition.Uuid).Sum(s => s.Value);
            _options.Placement.CheckStart(definition.Name, requested, running + starting);
            _startingVcpus[definition.Uuid] = requested;
        }
        return new PlacementReservation(this, definition.Uuid);
    }

    private void ReleaseVcpus(Guid uuid)
    {
        lock (_placementLock)
        {
            _startingVcpus.Remove(uuid);
        }
    }

    /// <summary>A start's hold on its vCPUs; disposing releases it (by then a started guest counts as running).</summary>
    private readonly struct PlacementReservation(QemuDomainDriver driver, Guid uuid) : IDisposable
    {
        public void Dispose() => driver.ReleaseVcpus(uuid);
    }
}
