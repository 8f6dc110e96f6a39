using Virt.Domain;
using Virt.Qemu.CommandLine.Devices;

namespace Virt.Qemu.CommandLine.Internal;

internal sealed partial class ArgvBuilder
{
    private readonly List<(Controller Controller, PciRootPort Port)> _definedRootPorts = [];

    /// <summary>Explicit addresses first, then libvirt's assignment order (qemuDomainAssignDevicePCISlots).</summary>
    private void PlanPciAddresses()
    {
        var controllers = Devices.Controllers;
        for (var i = 0; i < controllers.Count; i++)
        {
            var controller = controllers[i];
            if (controller.Type != ControllerType.Pci)
            {
                continue;
            }
            var location = $"/domain/devices/controller[{i + 1}]";
            switch (controller.Model)
            {
                case "pci-root" when _machine == QemuMachineKind.I440fx && controller.Index == 0:
                case "pcie-root" when _machine == QemuMachineKind.Q35 && controller.Index == 0:
                    break;
                case "pci-root" or "pcie-root":
                    throw Refuse(location + "/@model", $"the {(_machine == QemuMachineKind.Q35 ? "q35" : "i440fx")} machine's root bus is index 0 model '{(_machine == QemuMachineKind.Q35 ? "pcie-root" : "pci-root")}'");
                case "pcie-root-port" when _machine == QemuMachineKind.Q35:
                    _assigner.AddBus(controller.Index, PciBusKind.RootPort, location);
                    break;
                case "pci-bridge":
                    _assigner.AddBus(controller.Index, PciBusKind.PciBridge, location);
                    break;
                default:
                    throw Refuse(location + "/@model", $"PCI controller model '{controller.Model}' is not supported on this machine; use 'pcie-root-port' (q35) or 'pci-bridge'");
            }
        }

        ReserveExplicit(controllers, c => c.Address, "controller");
        ReserveExplicit(Devices.Disks, d => d.Address, "disk");
        ReserveExplicit(Devices.Filesystems, f => f.Address, "filesystem");
        ReserveExplicit(Devices.Interfaces, n => n.Address, "interface");
        ReserveExplicit(Devices.Hostdevs, h => h.Address, "hostdev");
        ReserveExplicit(Devices.Videos, v => v.Address, "video");
        ReserveExplicit(Devices.Watchdogs, w => w.Address, "watchdog");
        ReserveExplicit(Devices.Rngs, r => r.Address, "rng");
        ReserveExplicit(Devices.Inputs, n => n.Address, "input");
        if (Devices.MemBalloon is { Address: { } balloonAddress })
        {
            _pci["memballoon"] = ReserveOne("memballoon", balloonAddress, "/domain/devices/memballoon");
        }

        // The primary video card keeps libvirt's fixed spot: slot 2 on i440fx, slot 1 on q35.
        if (Devices.Videos.Count > 0 && Devices.Videos[0] is { Address: null } primary && IsPciVideo(primary.Model))
        {
            _pci["video:0"] = _assigner.Assign("video0", PciConnection.Conventional, "/domain/devices/video[1]", _machine == QemuMachineKind.Q35 ? 1 : 2);
        }

        for (var i = 0; i < controllers.Count; i++)
        {
            var controller = controllers[i];
            var location = $"/domain/devices/controller[{i + 1}]";
            if (controller.Type == ControllerType.Pci && controller.Model == "pcie-root-port")
            {
                var port = controller.Address is { } address
                    ? new PciRootPort(controller.Index, controller.Target?.Chassis ?? controller.Index,
                        controller.Target?.Port ?? (((address.Slot ?? 0) * 8) + (address.Function ?? 0)), _pci[$"controller:{i}"])
                    : _assigner.PlaceRootPort($"pcie-root-port pci.{controller.Index}", controller.Index, controller.Target?.Chassis, controller.Target?.Port, location);
                _definedRootPorts.Add((controller, port));
            }
            else if (controller.Type == ControllerType.Pci && controller.Model == "pci-bridge" && controller.Address is null)
            {
                _pci[$"controller:{i}"] = _assigner.Assign($"pci-bridge pci.{controller.Index}", PciConnection.Conventional, location);
            }
        }

        // libvirt's fixed spot for the PIIX3 UHCI controller.
        for (var i = 0; i < controllers.Count; i++)
        {
            var controller = controllers[i];
            if (controller is { Type: ControllerType.Usb, Address: null, Index: 0 } && _machine == QemuMachineKind.I440fx
                && DeviceProps.UsbControllerDriver(controller.Model, _machine) == "piix3-usb-uhci"
                && _assigner.TryTake("usb", 0, 1, 2) is { } uhci)
            {
                _pci[$"controller:{i}"] = uhci;
            }
        }

        for (var i = 0; i < Devices.Filesystems.Count; i++)
        {
            AssignIfMissing($"fs:{i}", Devices.Filesystems[i].Address, PciConnection.Express, $"/domain/devices/filesystem[{i + 1}]");
        }
        for (var i = 0; i < Devices.Interfaces.Count; i++)
        {
            var nic = Devices.Interfaces[i];
            if (nic.Model != InterfaceModel.UsbNet)
            {
                AssignIfMissing($"net:{i}", nic.Address, NicConnection(nic.Model), $"/domain/devices/interface[{i + 1}]");
            }
        }
        for (var i = 0; i < controllers.Count; i++)
        {
            var controller = controllers[i];
            if (controller.Type != ControllerType.Pci && DeviceProps.ControllerDriver(controller, _machine) is { } driver)
            {
                var express = driver.Contains("virtio", StringComparison.Ordinal) || driver.EndsWith("xhci", StringComparison.Ordinal);
                AssignIfMissing($"controller:{i}", controller.Address, express ? PciConnection.Express : PciConnection.Conventional, $"/domain/devices/controller[{i + 1}]");
            }
        }
        for (var i = 0; i < Devices.Disks.Count; i++)
        {
            if (Devices.Disks[i].Target.Bus == DiskBus.Virtio)
            {
                AssignIfMissing($"disk:{i}", Devices.Disks[i].Address, PciConnection.Express, $"/domain/devices/disk[{i + 1}]");
            }
        }
        for (var i = 0; i < Devices.Hostdevs.Count; i++)
        {
            AssignIfMissing($"hostdev:{i}", Devices.Hostdevs[i].Address, PciConnection.Express, $"/domain/devices/hostdev[{i + 1}]");
        }
        if (Devices.MemBalloon is { Model: not MemBalloonModel.None } balloon)
        {
            AssignIfMissing("memballoon", balloon.Address, PciConnection.Express, "/domain/devices/memballoon");
        }
        for (var i = 0; i < Devices.Rngs.Count; i++)
        {
            AssignIfMissing($"rng:{i}", Devices.Rngs[i].Address, PciConnection.Express, $"/domain/devices/rng[{i + 1}]");
        }
        for (var i = 0; i < Devices.Watchdogs.Count; i++)
        {
            if (Devices.Watchdogs[i].Model == WatchdogModel.I6300esb)
            {
                AssignIfMissing($"watchdog:{i}", Devices.Watchdogs[i].Address, PciConnection.Conventional, $"/domain/devices/watchdog[{i + 1}]");
            }
        }
        for (var i = 1; i < Devices.Videos.Count; i++)
        {
            if (IsPciVideo(Devices.Videos[i].Model))
            {
                AssignIfMissing($"video:{i}", Devices.Videos[i].Address, Devices.Videos[i].Model == VideoModel.Virtio ? PciConnection.Express : PciConnection.Conventional, $"/domain/devices/video[{i + 1}]");
            }
        }
        for (var i = 0; i < Devices.Inputs.Count; i++)
        {
            if (Devices.Inputs[i].Bus == InputBus.Virtio)
            {
                AssignIfMissing($"input:{i}", Devices.Inputs[i].Address, PciConnection.Express, $"/domain/devices/input[{i + 1}]");
            }
        }
    }

    private static bool IsPciVideo(VideoModel model) => model is not (VideoModel.None or VideoModel.Ramfb);

    private static PciConnection NicConnection(InterfaceModel? model) =>
        model is InterfaceModel.Virtio or InterfaceModel.VirtioNonTransitional or InterfaceModel.E1000e or InterfaceModel.Igb
            ? PciConnection.Express
            : PciConnection.Conventional;

    private void ReserveExplicit<T>(IReadOnlyList<T> devices, Func<T, DeviceAddress?> address, string element)
    {
        var kind = element switch
        {
            "filesystem" => "fs",
            "interface" => "net",
            _ => element,
        };
        for (var i = 0; i < devices.Count; i++)
        {
            if (address(devices[i]) is { Type: AddressType.Pci } pci)
            {
                _pci[$"{kind}:{i}"] = ReserveOne($"{element}[{i + 1}]", pci, $"/domain/devices/{element}[{i + 1}]");
            }
        }
    }

    private PciSlot ReserveOne(string owner, DeviceAddress address, string location)
    {
        if ((address.Domain ?? 0) != 0)
        {
            throw Refuse(location + "/address/@domain", "only PCI domain 0 exists on x86 machines");
        }
        var bus = address.Bus ?? 0;
        var slot = (int)(address.Slot ?? 0);
        var function = (int)(address.Function ?? 0);
        _assigner.Reserve(owner, bus, slot, function, location + "/address");
        return new PciSlot(_assigner.BusId(bus), slot, function, address.Multifunction == true);
    }

    private void AssignIfMissing(string key, DeviceAddress? address, PciConnection connection, string location)
    {
        if (_pci.ContainsKey(key))
        {
            return;
        }
        if (address is { Type: not AddressType.Pci })
        {
            throw Refuse(location + "/address/@type", "this device sits on PCI and needs <address type='pci'> or no address");
        }
        _pci[key] = _assigner.Assign(location.TrimStart('/').Replace("domain/devices/", "", StringComparison.Ordinal), connection, location);
    }

    private PciSlot Pci(string key) => _pci[key];

    private PciSlot? PciOrNull(string key) => _pci.TryGetValue(key, out var slot) ? slot : null;
}
