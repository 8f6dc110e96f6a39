using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Qemu.CommandLine.Devices;

namespace Virt.Driver.Qemu;

/// <summary>
/// update-device, as far as libvirt's qemuDomainUpdateDeviceFlags goes for a guest without hotplug: an interface's link
/// state (<c>&lt;link state='up|down'/&gt;</c>; virsh domif-setlink sends it), live through QMP <c>set_link</c> on the
/// NIC and in the persistent definition. The interface is found by its MAC; anything else the element changes is
/// refused, naming it, before anything is touched.
/// </summary>
public sealed partial class QemuDomainDriver : IDomainDevices
{
    public Task<DomainSummary> UpdateDeviceAsync(DomainRef domain, string xml, DomainModification modification, bool force, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "update a device of", async current =>
        {
            var update = ParseInterfaceUpdate(current.Name, xml);
            var (live, config) = modification.Targets(current, "update a device of");
            if (config)
            {
                CheckLinkOnly(current.Name, Persistent(current), update);
            }
            if (live)
            {
                var index = CheckLinkOnly(current.Name, current.Definition, update);
                var alias = DeviceAliases.Indexed("net", index, current.Definition.Devices.Interfaces[index].Alias);
                await ExecuteQmpAsync(current.Uuid, "set_link", new JsonObject { ["name"] = alias, ["up"] = update.LinkUp != false }, cancellationToken).ConfigureAwait(false);
            }
            return await ApplyAsync(current, live, config, d => WithLink(d, update)).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>The device element as an interface with its MAC given (libvirt finds the device to update by it).</summary>
    private NetworkInterface ParseInterfaceUpdate(string domain, string xml)
    {
        var (devices, macGiven) = ParseOneDevice(xml);
        if (devices.Interfaces.Count != 1 || devices != new DomainDevices { Interfaces = devices.Interfaces })
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported,
                $"Cannot update a device of domain '{domain}': only an <interface>'s link state (<link state='up|down'/>) can be changed in place; edit the definition for other devices and restart the guest.",
                new Dictionary<string, string> { ["domain"] = domain });
        }
        return macGiven ? devices.Interfaces[0] : throw MacRequired(domain, "update");
    }

    /// <summary>One device element parsed alone, and whether an interface in it gave its MAC (the parser makes one up otherwise).</summary>
    private (DomainDevices Devices, bool MacGiven) ParseOneDevice(string xml)
    {
        var macGiven = true;
        try
        {
            var devices = DomainXml.ParseDevice(xml, _options.ParseOptions with
            {
                NewMac = () =>
                {
                    macGiven = false;
                    return _options.ParseOptions.NewMac();
                },
            });
            return (devices, macGiven);
        }
        catch (DefinitionException e)
        {
            throw VirtException.FromDefinition(e);
        }
    }

    private static VirtException MacRequired(string domain, string operation) =>
        new(VirtErrorReason.InvalidArgument,
            $"Cannot {operation} an interface of domain '{domain}': the interface is found by its MAC address; give <mac address='...'/> in the <interface> element.",
            new Dictionary<string, string> { ["domain"] = domain, ["element"] = "/interface/mac" });

    /// <summary>
    /// The index of <paramref name="update"/>'s interface in <paramref name="definition"/>; refused when there is none
    /// or when the element changes more than the link state (what it leaves out is taken as unchanged, as in libvirt).
    /// </summary>
    private static int CheckLinkOnly(string domain, DomainDefinition definition, NetworkInterface update)
    {
        var interfaces = definition.Devices.Interfaces;
        var index = interfaces.ToList().FindIndex(n => string.Equals(n.Mac, update.Mac, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            throw new VirtException(VirtErrorReason.DeviceNotFound, $"Cannot update an interface of domain '{domain}': it has no interface with MAC address {update.Mac}.",
                new Dictionary<string, string> { ["domain"] = domain, ["mac"] = update.Mac });
        }
        var old = interfaces[index];
        var same = update with
        {
            Mac = old.Mac,
            LinkUp = old.LinkUp,
            TargetDev = update.TargetDev ?? old.TargetDev,
            TargetManaged = update.TargetManaged ?? old.TargetManaged,
            Model = update.Model ?? old.Model,
            Alias = update.Alias ?? old.Alias,
            Address = update.Address ?? old.Address,
        };
        if (same != old)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported,
                $"Cannot update interface {old.Mac} of domain '{domain}': only its link state (<link state='up|down'/>) can be changed in place, and this element changes more; edit the definition and restart the guest for the rest.",
                new Dictionary<string, string> { ["domain"] = domain, ["mac"] = old.Mac });
        }
        return index;
    }

    private static DomainDefinition WithLink(DomainDefinition definition, NetworkInterface update) =>
        definition with
        {
            Devices = definition.Devices with
            {
                Interfaces = definition.Devices.Interfaces
                    .Select(n => string.Equals(n.Mac, update.Mac, StringComparison.OrdinalIgnoreCase) ? n with { LinkUp = update.LinkUp } : n)
                    .ToValueList(),
            },
        };
}
