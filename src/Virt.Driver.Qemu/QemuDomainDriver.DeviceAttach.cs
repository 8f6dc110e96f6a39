using Virt.Domain;

namespace Virt.Driver.Qemu;

/// <summary>
/// attach-device and detach-device on the persistent definition (libvirt's qemuDomainAttachDeviceConfig and
/// qemuDomainDetachDeviceConfig) for disks and interfaces: a disk by its target, an interface by its MAC. The guest
/// gets the change at its next start; the running guest is not changed, since the driver does not hotplug devices,
/// and a live request is refused, naming the device, before anything is written.
/// </summary>
public sealed partial class QemuDomainDriver
{
    public Task<DomainSummary> AttachDeviceAsync(DomainRef domain, string xml, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "attach a device to", current =>
        {
            var (devices, macGiven, config, persistent) = PersistentChange(current, xml, modification, "attach", "attach a device to");
            if (devices.Disks.SingleOrDefault() is { } disk
                && persistent.Devices.Disks.Any(d => d.Target.Dev == disk.Target.Dev))
            {
                throw VirtException.OperationInvalid(current.Name, "attach a device to", current.State, $"target {disk.Target.Dev} already exists");
            }
            // libvirt would take a second NIC with the same MAC; detach and update could then not tell them apart.
            if (devices.Interfaces.SingleOrDefault() is { } nic && macGiven && persistent.Devices.Interfaces.Any(n => n.Mac == nic.Mac))
            {
                throw VirtException.OperationInvalid(current.Name, "attach a device to", current.State, $"an interface with MAC address {nic.Mac} already exists");
            }
            return ApplyAsync(current, live: false, config, d => d with
            {
                Devices = d.Devices with
                {
                    Disks = d.Devices.Disks.Concat(devices.Disks).ToValueList(),
                    Interfaces = d.Devices.Interfaces.Concat(devices.Interfaces).ToValueList(),
                },
            });
        }, cancellationToken);

    public Task<DomainSummary> DetachDeviceAsync(DomainRef domain, string xml, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "detach a device from", current =>
        {
            var (devices, macGiven, config, persistent) = PersistentChange(current, xml, modification, "detach", "detach a device from");
            if (devices.Disks.SingleOrDefault() is { } disk && !persistent.Devices.Disks.Any(d => d.Target.Dev == disk.Target.Dev))
            {
                throw new VirtException(VirtErrorReason.DeviceNotFound, $"no target device {disk.Target.Dev}",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["device"] = disk.Target.Dev });
            }
            if (devices.Interfaces.SingleOrDefault() is { } nic)
            {
                if (!macGiven)
                {
                    throw MacRequired(current.Name, "detach");
                }
                if (!persistent.Devices.Interfaces.Any(n => n.Mac == nic.Mac))
                {
                    throw new VirtException(VirtErrorReason.DeviceNotFound, $"no device matching MAC address {nic.Mac} found",
                        new Dictionary<string, string> { ["domain"] = current.Name, ["mac"] = nic.Mac });
                }
            }
            return ApplyAsync(current, live: false, config, d => d with
            {
                Devices = d.Devices with
                {
                    Disks = d.Devices.Disks.Where(x => !devices.Disks.Any(y => y.Target.Dev == x.Target.Dev)).ToValueList(),
                    Interfaces = d.Devices.Interfaces.Where(x => !devices.Interfaces.Any(y => y.Mac == x.Mac)).ToValueList(),
                },
            });
        }, cancellationToken);

    /// <summary>
    /// The one disk or interface element, whether it gave its MAC, whether the persistent definition is to change, and
    /// that definition; another device kind, and a change of the running guest, are refused with libvirt's words.
    /// </summary>
    private (DomainDevices Devices, bool MacGiven, bool Config, DomainDefinition Persistent) PersistentChange(
        DomainSummary current, string xml, DomainModification modification, string operation, string described)
    {
        var (devices, macGiven) = ParseOneDevice(xml);
        var kind = devices.Disks.Count == 1 && devices == new DomainDevices { Disks = devices.Disks } ? "disk"
            : devices.Interfaces.Count == 1 && devices == new DomainDevices { Interfaces = devices.Interfaces } ? "interface"
            : throw new VirtException(VirtErrorReason.OperationUnsupported,
                $"persistent {operation} of this device is not supported: domain '{current.Name}' takes a <disk> or an <interface> this way; edit the definition for other devices",
                new Dictionary<string, string> { ["domain"] = current.Name });
        var (live, config) = modification.Targets(current, described);
        if (live)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported,
                $"live {operation} of device '{kind}' is not supported: this driver does not hotplug devices; use --config to change the persistent definition for the next start",
                new Dictionary<string, string> { ["domain"] = current.Name, ["device"] = kind, ["operation"] = operation });
        }
        return (devices, macGiven, config, Persistent(current));
    }
}
