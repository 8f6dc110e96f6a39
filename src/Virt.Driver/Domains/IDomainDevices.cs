namespace Virt.Driver;

/// <summary>
/// virsh update-device (libvirt's virDomainUpdateDeviceFlags): a device changed in place, in the running guest and/or
/// its persistent definition. The API answers libvirt's "this function is not supported by the connection driver" for
/// a driver without it (libvirt's test driver has none).
/// </summary>
public interface IDomainDevices
{
    /// <summary>
    /// Applies the device element <paramref name="xml"/> to the device it names (an interface by its MAC) in the
    /// definitions <paramref name="modification"/> picks; what the driver cannot change in place is refused, naming it.
    /// </summary>
    Task<DomainSummary> UpdateDeviceAsync(DomainRef domain, string xml, DomainModification modification, bool force, CancellationToken cancellationToken);
}
