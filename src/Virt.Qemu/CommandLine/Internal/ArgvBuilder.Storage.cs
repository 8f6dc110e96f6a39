using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Qemu.CommandLine.Devices;

namespace Virt.Qemu.CommandLine.Internal;

internal sealed partial class ArgvBuilder
{
    private int _nextNode;

    private void AddControllers()
    {
        var controllers = Devices.Controllers;
        var pci = new List<(uint Index, Action Emit)>();
        foreach (var (controller, port) in _definedRootPorts)
        {
            pci.Add((controller.Index, () => AddDevice(DeviceProps.ForRootPort(port with { Address = port.Address with { Multifunction = port.Address.Multifunction || controller.Address?.Multifunction == true } }, DeviceAliases.ForController(controller), controller.Target?.Hotplug))));
        }
        foreach (var port in _assigner.AddedRootPorts)
        {
            pci.Add((port.Index, () => AddDevice(DeviceProps.ForRootPort(port, _assigner.BusId(port.Index)))));
        }
        for (var i = 0; i < controllers.Count; i++)
        {
            var controller = controllers[i];
            var key = $"controller:{i}";
            if (controller.Type == ControllerType.Pci && controller.Model == "pci-bridge")
            {
                RequireDevice("pci-bridge", $"/domain/devices/controller[{i + 1}]/@model");
                pci.Add((controller.Index, () => AddDevice(DeviceProps.ForController(controller, _machine, Pci(key)))));
            }
        }
        if (_definedRootPorts.Count + _assigner.AddedRootPorts.Count > 0)
        {
            RequireDevice("pcie-root-port", "/domain/devices/controller");
        }
        foreach (var (_, emit) in pci.OrderBy(p => p.Index))
        {
            emit();
        }

        for (var i = 0; i < controllers.Count; i++)
        {
            var controller = controllers[i];
            var location = $"/domain/devices/controller[{i + 1}]";
            switch (controller.Type)
            {
                case ControllerType.Pci:
                    continue;
                case ControllerType.Ide when _machine == QemuMachineKind.Q35:
                    throw Refuse(location + "/@type", "the q35 machine has no IDE controller; use SATA (<controller type='sata'/>, disks with bus='sata')");
                case ControllerType.Ide when controller.Index > 0:
                    throw Refuse(location + "/@index", "the i440fx machine has one built-in IDE controller (index 0)");
                case ControllerType.Fdc when _machine == QemuMachineKind.Q35:
                    throw Refuse(location + "/@type", "floppy controllers are supported on the i440fx machine only");
                case ControllerType.Ccid:
                    throw Refuse(location + "/@type", "smartcard (ccid) controllers are not supported yet");
                case ControllerType.Usb when controller.Model == "none":
                    continue;
                case ControllerType.Usb when controller.MasterStartPort is not null:
                    throw Refuse(location + "/master", "USB companion controllers are not supported; use a single qemu-xhci or ehci controller");
                default:
                    break;
            }
            if (controller.Type == ControllerType.Usb && DeviceProps.UsbControllerDriver(controller.Model, _machine) is null)
            {
                throw Refuse(location + "/@model", $"USB controller model '{controller.Model}' is not supported; use 'qemu-xhci', 'nec-xhci', 'ehci', 'piix3-uhci' or 'none'");
            }
            if (controller.Type == ControllerType.Scsi && controller.Model is not (null or "lsilogic" or "virtio-scsi" or "virtio-transitional" or "virtio-non-transitional"))
            {
                throw Refuse(location + "/@model", $"SCSI controller model '{controller.Model}' is not supported; use 'virtio-scsi' or 'lsilogic'");
            }
            if (DeviceProps.ControllerDriver(controller, _machine) is { } driver)
            {
                RequireDevice(driver, location + "/@model");
                AddDevice(DeviceProps.ForController(controller, _machine, PciOrNull($"controller:{i}")));
            }
        }
    }

    private void AddDisks()
    {
        _nextNode = Devices.Disks.Sum(NodeCount);
        for (var i = 0; i < Devices.Disks.Count; i++)
        {
            AddDisk(Devices.Disks[i], i);
        }
    }

    private static int NodeCount(Disk disk)
    {
        if (disk.Source is null)
        {
            return 0;
        }
        var count = 1;
        for (var backing = disk.BackingStore; backing?.Source is not null; backing = backing.Next)
        {
            count++;
        }
        return count;
    }

    private void AddDisk(Disk disk, int i)
    {
        var location = $"/domain/devices/disk[{i + 1}]";
        ValidateDiskBus(disk, location);
        var driver = DeviceProps.DiskDriver(disk);
        RequireDevice(driver, location + "/target/@bus");
        string? scsiHba = null;
        if (disk.Target.Bus == DiskBus.Scsi)
        {
            var controllerIndex = disk.Address?.Controller ?? 0;
            var controller = Devices.Controllers.FirstOrDefault(c => c.Type == ControllerType.Scsi && c.Index == controllerIndex)
                ?? throw Refuse(location + "/address/@controller", $"there is no SCSI controller with index {controllerIndex}");
            scsiHba = DeviceProps.ControllerDriver(controller, _machine);
        }
        if (disk.Driver?.Io == DiskIo.Native && disk.Driver.Cache is not (DiskCache.None or DiskCache.Directsync))
        {
            throw Refuse(location + "/driver/@io", "io='native' needs O_DIRECT: use cache='none' or cache='directsync', or io='threads'");
        }
        if (disk.Driver?.Name is { } name && name != "qemu")
        {
            throw Refuse(location + "/driver/@name", $"disk driver '{name}' is not supported; use name='qemu'");
        }

        string? top = null;
        if (disk.Source is not null)
        {
            var (path, format, isBlock) = ResolveSource(disk.Type, disk.Source, disk.Driver?.Format, location + "/source");
            var chain = new List<(string Path, ImageFormat Format, bool IsBlock, string Location)> { (path, format, isBlock, location) };
            var ends = false;
            var backingLocation = location;
            for (var backing = disk.BackingStore; backing is not null; backing = backing.Next)
            {
                backingLocation += "/backingStore";
                if (backing.Source is null)
                {
                    ends = true;
                    break;
                }
                var backingFormat = backing.Format
                    ?? throw Refuse(backingLocation + "/format", "a backing image needs <format type='...'/>: Virt never probes image formats");
                var resolved = ResolveSource(backing.Type ?? DiskType.File, backing.Source, backingFormat, backingLocation + "/source");
                chain.Add((resolved.Path, resolved.Format, resolved.IsBlock, backingLocation));
            }
            var first = _nextNode;
            _nextNode -= chain.Count;
            // Emitted bottom-up: each format node names its backing node, which must exist already.
            for (var level = chain.Count - 1; level >= 0; level--)
            {
                var (nodePath, nodeFormat, nodeIsBlock, nodeLocation) = chain[level];
                var number = first - level;
                var storage = $"libvirt-{number}-storage";
                var formatNode = $"libvirt-{number}-format";
                if (BlockdevProps.FormatDriver(nodeFormat) is null)
                {
                    throw Refuse(nodeLocation + (level == 0 ? "/driver/@type" : "/format/@type"), $"image format '{nodeFormat.ToString().ToLowerInvariant()}' is not supported; use raw, qcow2, qed, vmdk, vpc, vdi or vhdx");
                }
                var readOnly = level > 0 || disk.ReadOnly || disk.Device == DiskDevice.Cdrom;
                var backingNode = level + 1 < chain.Count ? $"libvirt-{number - 1}-format" : null;
                AddJson("-blockdev", BlockdevProps.Storage(storage, nodePath, nodeIsBlock, disk.Device == DiskDevice.Cdrom, level == 0 ? disk.Driver : null));
                AddJson("-blockdev", BlockdevProps.Format(formatNode, storage, nodeFormat, level == 0 ? disk.Driver : null, readOnly, backingNode, ends && backingNode is null));
                top = formatNode;
            }
        }
        else if (disk.Device is not (DiskDevice.Cdrom or DiskDevice.Floppy))
        {
            throw Refuse(location + "/source", "a disk needs a <source>; only CD-ROM and floppy drives may be empty");
        }

        string? usbPort = disk.Target.Bus == DiskBus.Usb ? NextUsbPort(location) : null;
        AddDevice(DeviceProps.ForDisk(disk, top, _machine, PciOrNull($"disk:{i}"), usbPort, BootIndex($"disk:{i}"), scsiHba));
    }

    private void ValidateDiskBus(Disk disk, string location)
    {
        switch (disk.Target.Bus)
        {
            case DiskBus.Ide when _machine == QemuMachineKind.Q35:
                throw Refuse(location + "/target/@bus", "the q35 machine has no IDE bus; use bus='sata', 'scsi' or 'virtio'");
            case DiskBus.Ide when (disk.Address?.Controller ?? 0) != 0 || (disk.Address?.Bus ?? 0) > 1 || (disk.Address?.Unit ?? 0) > 1:
                throw Refuse(location + "/address", "the built-in IDE controller has buses 0-1 with units 0-1 (hda-hdd)");
            case DiskBus.Fdc when _machine == QemuMachineKind.Q35:
                throw Refuse(location + "/target/@bus", "floppy drives are supported on the i440fx machine only");
            case DiskBus.Sata when (disk.Address?.Unit ?? 0) > 5:
                throw Refuse(location + "/address/@unit", "a SATA controller has 6 ports (units 0-5)");
            case DiskBus.Virtio when disk.Device == DiskDevice.Cdrom:
                throw Refuse(location + "/target/@bus", "virtio cannot carry a CD-ROM; use bus='sata', 'scsi' or 'ide'");
            case DiskBus.Sd:
                throw Refuse(location + "/target/@bus", "bus='sd' is not supported on x86; use 'virtio', 'sata', 'scsi' or 'ide'");
            default:
                break;
        }
        if (disk.Device == DiskDevice.Lun)
        {
            throw Refuse(location + "/@device", "device='lun' (SCSI passthrough) is not supported yet; use device='disk'");
        }
    }

    private (string Path, ImageFormat Format, bool IsBlock) ResolveSource(DiskType type, DiskSource source, ImageFormat? format, string location)
    {
        switch (type)
        {
            case DiskType.File:
                return (source.File ?? throw Refuse(location + "/@file", "a file disk needs <source file='...'/>"), format ?? ImageFormat.Raw, false);
            case DiskType.Block:
                return (source.Dev ?? throw Refuse(location + "/@dev", "a block disk needs <source dev='...'/>"), format ?? ImageFormat.Raw, true);
            case DiskType.Volume:
                if (source.Pool is null || source.Volume is null)
                {
                    throw Refuse(location, "a volume disk needs <source pool='...' volume='...'/>");
                }
                if (!_host.Volumes.TryGetValue(new QemuVolumeKey(source.Pool, source.Volume), out var volume))
                {
                    throw Refuse(location, $"volume '{source.Volume}' of pool '{source.Pool}' was not resolved; the storage driver must resolve it before the guest starts");
                }
                return (volume.Path, format ?? volume.Format, volume.IsBlockDevice);
            default:
                throw Refuse(location, $"disk type '{type}' is not supported");
        }
    }

    private void AddFilesystems()
    {
        for (var i = 0; i < Devices.Filesystems.Count; i++)
        {
            var fs = Devices.Filesystems[i];
            var location = $"/domain/devices/filesystem[{i + 1}]";
            if (fs.DriverType is FilesystemDriverType.Virtiofs or FilesystemDriverType.Handle)
            {
                throw Refuse(location + "/driver/@type", "only the 9p 'path' driver is supported; virtiofs needs a virtiofsd the driver does not run yet");
            }
            RequireDevice("virtio-9p-pci", location);
            var id = DeviceAliases.Indexed("fs", i, fs.Alias);
            var security = fs.AccessMode switch
            {
                FilesystemAccessMode.Mapped => "mapped",
                FilesystemAccessMode.Squash => "none",
                _ => "passthrough",
            };
            var fsdev = $"local,security_model={security},id=fsdev-{id},path={QemuOpts.Escape(fs.SourceDir)}";
            if (fs.ReadOnly)
            {
                fsdev += ",readonly=on";
            }
            Add("-fsdev", fsdev);
            AddDevice(DeviceProps.ForFilesystem(fs, id, $"fsdev-{id}", Pci($"fs:{i}")));
        }
    }

    private void AddInterfaces()
    {
        for (var i = 0; i < Devices.Interfaces.Count; i++)
        {
            var nic = Devices.Interfaces[i];
            var location = $"/domain/devices/interface[{i + 1}]";
            var driver = DeviceProps.NicDriver(nic.Model);
            RequireDevice(driver, location + "/model/@type");
            var id = DeviceAliases.Indexed("net", i, nic.Alias);
            var netdevId = "host" + id;
            if (nic.Type == InterfaceType.User)
            {
                AddJson("-netdev", NetdevProps.User(netdevId));
            }
            else if (_host.TapFds.TryGetValue(i, out var fds) && fds.Tap.Count > 0)
            {
                AddJson("-netdev", NetdevProps.Tap(netdevId, fds));
            }
            else if (nic.UnmanagedTap is { } tap)
            {
                AddJson("-netdev", NetdevProps.TapByName(netdevId, tap));
            }
            else if (nic.HasManagedTap)
            {
                // The driver names the tap at start (<target dev> of the live definition) and its VMM worker creates it,
                // joins it to the bridge and turns this into fds (TapArgv.WithFds); run as it is, QEMU creates it itself.
                var named = nic.TargetDev ?? throw Refuse(location + "/target/@dev",
                    $"interface type '{DomainXmlNames.InterfaceType.ToXml(nic.Type)}' needs its tap named by <target dev> or its fds passed in; the driver names one when it starts the guest");
                AddJson("-netdev", NetdevProps.TapByName(netdevId, named, nic.DriverQueues is > 1 and var queues ? queues : 1));
            }
            else
            {
                throw Refuse(location + "/@type",
                    $"interface type '{DomainXmlNames.InterfaceType.ToXml(nic.Type)}' is not supported: virtd runs no virtual networks and creates no macvtap devices yet; use <interface type='bridge'> with <source bridge='BRIDGE'/> for a host bridge, type='ethernet' for a tap of the guest's own, or type='user'");
            }
            var usbPort = nic.Model == InterfaceModel.UsbNet ? NextUsbPort(location) : null;
            AddDevice(DeviceProps.ForInterface(nic, id, netdevId, PciOrNull($"net:{i}"), usbPort, BootIndex($"net:{i}")));
        }
    }

    private string NextUsbPort(string location)
    {
        var controller = Devices.Controllers.FirstOrDefault(c => c.Type == ControllerType.Usb && c.Model != "none")
            ?? throw Refuse(location, "USB devices need a USB controller; add <controller type='usb' model='qemu-xhci'/>");
        var driver = DeviceProps.UsbControllerDriver(controller.Model, _machine);
        var ports = (int)(controller.Ports ?? (driver switch
        {
            "piix3-usb-uhci" or "piix4-usb-uhci" => 2u,
            "usb-ehci" or "ich9-usb-ehci1" => 6u,
            _ => 4u,
        }));
        if (_usbPortsUsed >= ports)
        {
            throw Refuse(location, $"too many USB devices: the {driver} controller has {ports} ports; use a controller with more ports (qemu-xhci with ports='15')");
        }
        _usbPortsUsed++;
        return _usbPortsUsed.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
