namespace Virt.Driver;

/// <summary>
/// virsh attach-device, detach-device and update-device (libvirt's virDomainAttachDeviceFlags,
/// virDomainDetachDeviceFlags, virDomainUpdateDeviceFlags): a device added, removed or changed in place, in the running
/// guest and/or its persistent definition. The API answers libvirt's "this function is not supported by the connection
/// driver" for a driver without it (libvirt's test driver has none).
/// </summary>
public interface IDomainDevices
{
    /// <summary>
    /// Adds the device element <paramref name="xml"/> to the definitions <paramref name="modification"/> picks; what the
    /// driver cannot add there (a live hotplug it does not do, a target or MAC already taken) is refused, naming it.
    /// </summary>
    Task<DomainSummary> AttachDeviceAsync(DomainRef domain, string xml, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>Removes the device <paramref name="xml"/> names (a disk by its target, an interface by its MAC).</summary>
    Task<DomainSummary> DetachDeviceAsync(DomainRef domain, string xml, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the device element <paramref name="xml"/> to the device it names (an interface by its MAC) in the
    /// definitions <paramref name="modification"/> picks; what the driver cannot change in place is refused, naming it.
    /// </summary>
    Task<DomainSummary> UpdateDeviceAsync(DomainRef domain, string xml, DomainModification modification, bool force, CancellationToken cancellationToken);
}
