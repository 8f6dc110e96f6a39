using System.Globalization;
using System.Text.Json.Nodes;
using Virt.Domain;

namespace Virt.Qemu.CommandLine.Devices;

/// <summary>
/// The properties of every <c>-device</c>, one method per device kind. <see cref="QemuCommandLine.Build"/>
/// serializes exactly these objects, and hotplug sends exactly these objects as QMP <c>device_add</c> arguments,
/// so a device looks the same whether it was cold-plugged or hot-plugged. Key order follows libvirt's.
/// </summary>
public static class DeviceProps
{
    /// <summary>The QEMU device model of a disk frontend.</summary>
    public static string DiskDriver(Disk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        var cdrom = disk.Device == DiskDevice.Cdrom;
        return disk.Target.Bus switch
        {
            DiskBus.Virtio => "virtio-blk-pci",
            DiskBus.Ide or DiskBus.Sata => cdrom ? "ide-cd" : "ide-hd",
            DiskBus.Scsi => cdrom ? "scsi-cd" : "scsi-hd",
            DiskBus.Fdc => "floppy",
            DiskBus.Usb => "usb-storage",
            _ => throw new ArgumentException($"Disk bus {disk.Target.Bus} has no QEMU frontend.", nameof(disk)),
        };
    }

    /// <summary>A disk frontend.</summary>
    /// <param name="disk">The disk; its drive address (ide/sata/scsi/fdc) places it on its controller.</param>
    /// <param name="drive">The top format node, or null for an empty CD-ROM.</param>
    /// <param name="machine">The machine family (q35's built-in AHCI names its buses <c>ide.N</c>).</param>
    /// <param name="pci">The PCI slot (virtio disks).</param>
    /// <param name="usbPort">The USB port (usb disks).</param>
    /// <param name="bootIndex">The boot index, or null.</param>
    /// <param name="scsiHba">The QEMU model of the SCSI controller the disk is on (scsi disks).</param>
    public static JsonObject ForDisk(Disk disk, string? drive, QemuMachineKind machine, PciSlot? pci, string? usbPort, int? bootIndex, string? scsiHba)
    {
        ArgumentNullException.ThrowIfNull(disk);
        var id = DeviceAliases.ForDisk(disk);
        var address = disk.Address;
        var props = new JsonObject { ["driver"] = DiskDriver(disk) };
        switch (disk.Target.Bus)
        {
            case DiskBus.Virtio:
                pci?.WriteTo(props);
                if (disk.Shareable)
                {
                    props["share-rw"] = true;
                }
                break;
            case DiskBus.Ide:
                props["bus"] = Invariant($"ide.{address?.Bus ?? 0}");
                props["unit"] = address?.Unit ?? 0;
                break;
            case DiskBus.Sata:
                props["bus"] = machine == QemuMachineKind.Q35 && (address?.Controller ?? 0) == 0
                    ? Invariant($"ide.{address?.Unit ?? 0}")
                    : Invariant($"sata{address?.Controller ?? 0}.{address?.Unit ?? 0}");
                break;
            case DiskBus.Scsi:
                props["bus"] = Invariant($"scsi{address?.Controller ?? 0}.{address?.Bus ?? 0}");
                if (scsiHba == "lsi53c895a")
                {
                    // The LSI HBA has one LUN per target: libvirt uses the unit as the SCSI id.
                    props["scsi-id"] = address?.Unit ?? 0;
                }
                else
                {
                    props["channel"] = 0;
                    props["scsi-id"] = address?.Target ?? 0;
                    props["lun"] = address?.Unit ?? 0;
                }
                props["device_id"] = "drive-" + id;
                break;
            case DiskBus.Fdc:
                props["unit"] = address?.Unit ?? 0;
                break;
            case DiskBus.Usb:
                props["bus"] = "usb.0";
                if (usbPort is not null)
                {
                    props["port"] = usbPort;
                }
                break;
            default:
                break;
        }
        if (drive is not null)
        {
            props["drive"] = drive;
        }
        props["id"] = id;
        if (bootIndex is { } boot)
        {
            props["bootindex"] = boot;
        }
        if (disk.Target.Bus != DiskBus.Fdc && BlockdevProps.WriteCache(disk.Driver?.Cache) is { } writeCache)
        {
            props["write-cache"] = writeCache;
        }
        if (disk.Serial is not null)
        {
            props["serial"] = disk.Serial;
        }
        if (disk.Target.Bus == DiskBus.Usb)
        {
            props["removable"] = false;
        }
        return props;
    }

    /// <summary>The QEMU device model of a NIC (libvirt's default for x86 is rtl8139).</summary>
    public static string NicDriver(InterfaceModel? model) => model switch
    {
        InterfaceModel.Virtio => "virtio-net-pci",
        InterfaceModel.VirtioTransitional => "virtio-net-pci-transitional",
        InterfaceModel.VirtioNonTransitional => "virtio-net-pci-non-transitional",
        InterfaceModel.E1000 => "e1000",
        InterfaceModel.E1000e => "e1000e",
        InterfaceModel.Igb => "igb",
        InterfaceModel.Ne2kPci => "ne2k_pci",
        InterfaceModel.Pcnet => "pcnet",
        InterfaceModel.Vmxnet3 => "vmxnet3",
        InterfaceModel.UsbNet => "usb-net",
        _ => "rtl8139",
    };

    /// <summary>A NIC frontend.</summary>
    public static JsonObject ForInterface(NetworkInterface nic, string id, string netdev, PciSlot? pci, string? usbPort, int? bootIndex)
    {
        ArgumentNullException.ThrowIfNull(nic);
        var driver = NicDriver(nic.Model);
        var props = new JsonObject { ["driver"] = driver };
        if (driver.StartsWith("virtio-net", StringComparison.Ordinal) && nic.DriverQueues is > 1 and var queues)
        {
            props["mq"] = true;
            // libvirt's rule: one vector per queue in each direction, plus config and control.
            props["vectors"] = (2 * queues) + 2;
        }
        if (nic.Mtu is { } mtu && driver.StartsWith("virtio-net", StringComparison.Ordinal))
        {
            props["host_mtu"] = mtu;
        }
        props["netdev"] = netdev;
        props["id"] = id;
        props["mac"] = nic.Mac;
        if (bootIndex is { } boot)
        {
            props["bootindex"] = boot;
        }
        if (usbPort is not null)
        {
            props["bus"] = "usb.0";
            props["port"] = usbPort;
        }
        pci?.WriteTo(props);
        return props;
    }

    /// <summary>The QEMU model of a controller that is a device of its own, or null for built-in ones.</summary>
    public static string? ControllerDriver(Controller controller, QemuMachineKind machine)
    {
        ArgumentNullException.ThrowIfNull(controller);
        return controller.Type switch
        {
            ControllerType.Pci => controller.Model switch
            {
                "pcie-root-port" => "pcie-root-port",
                "pci-bridge" => "pci-bridge",
                _ => null,
            },
            ControllerType.Usb => UsbControllerDriver(controller.Model, machine),
            ControllerType.Scsi => controller.Model switch
            {
                "virtio-scsi" => "virtio-scsi-pci",
                "virtio-transitional" => "virtio-scsi-pci-transitional",
                "virtio-non-transitional" => "virtio-scsi-pci-non-transitional",
                _ => "lsi53c895a",
            },
            ControllerType.Sata => machine == QemuMachineKind.Q35 && controller.Index == 0 ? null : "ich9-ahci",
            ControllerType.VirtioSerial => controller.Model switch
            {
                "virtio-transitional" => "virtio-serial-pci-transitional",
                "virtio-non-transitional" => "virtio-serial-pci-non-transitional",
                _ => "virtio-serial-pci",
            },
            _ => null,
        };
    }

    /// <summary>The QEMU model of a USB controller; libvirt's default is PIIX3 UHCI on i440fx and qemu-xhci on q35.</summary>
    public static string? UsbControllerDriver(string? model, QemuMachineKind machine) => model switch
    {
        null => machine == QemuMachineKind.Q35 ? "qemu-xhci" : "piix3-usb-uhci",
        "piix3-uhci" => "piix3-usb-uhci",
        "piix4-uhci" => "piix4-usb-uhci",
        "ehci" => "usb-ehci",
        "ich9-ehci1" => "ich9-usb-ehci1",
        "qemu-xhci" => "qemu-xhci",
        "nec-xhci" => "nec-usb-xhci",
        _ => null,
    };

    /// <summary>A controller that is a device of its own (everything but PCI root ports: see <see cref="ForRootPort"/>).</summary>
    public static JsonObject ForController(Controller controller, QemuMachineKind machine, PciSlot? pci)
    {
        ArgumentNullException.ThrowIfNull(controller);
        var driver = ControllerDriver(controller, machine) ?? throw new ArgumentException($"Controller {controller.Type} {controller.Model} is built in.", nameof(controller));
        var props = new JsonObject { ["driver"] = driver };
        if (driver == "pci-bridge")
        {
            props["chassis_nr"] = controller.Target?.ChassisNr ?? controller.Index;
        }
        if (controller.Type == ControllerType.VirtioSerial && controller.Ports is { } ports)
        {
            props["max_ports"] = ports;
        }
        if (controller.Type == ControllerType.Scsi && controller.DriverQueues is { } queues && driver.StartsWith("virtio", StringComparison.Ordinal))
        {
            props["num_queues"] = queues;
        }
        if (controller.Type == ControllerType.Usb && controller.Ports is { } usbPorts && driver.EndsWith("xhci", StringComparison.Ordinal))
        {
            props["p2"] = usbPorts;
            props["p3"] = usbPorts;
        }
        props["id"] = DeviceAliases.ForController(controller);
        pci?.WriteTo(props);
        return props;
    }

    /// <summary>A pcie-root-port, defined or added.</summary>
    public static JsonObject ForRootPort(PciRootPort port, string id, bool? hotplug = null)
    {
        ArgumentNullException.ThrowIfNull(port);
        var props = new JsonObject
        {
            ["driver"] = "pcie-root-port",
            ["port"] = port.Port,
            ["chassis"] = port.Chassis,
            ["id"] = id,
        };
        if (hotplug is { } enabled)
        {
            props["hotplug"] = enabled;
        }
        port.Address.WriteTo(props);
        return props;
    }

    /// <summary>The QEMU model of a video card; the primary card of a virtio or qxl pair is the VGA-compatible one.</summary>
    public static string? VideoDriver(VideoModel model, bool primary) => model switch
    {
        VideoModel.Vga => "VGA",
        VideoModel.Cirrus => "cirrus-vga",
        VideoModel.Vmvga => "vmware-svga",
        VideoModel.Qxl => primary ? "qxl-vga" : "qxl",
        VideoModel.Virtio => primary ? "virtio-vga" : "virtio-gpu-pci",
        VideoModel.Bochs => "bochs-display",
        VideoModel.Ramfb => "ramfb",
        _ => null,
    };

    /// <summary>A video card.</summary>
    public static JsonObject ForVideo(Video video, string id, bool primary, PciSlot? pci)
    {
        ArgumentNullException.ThrowIfNull(video);
        var driver = VideoDriver(video.Model, primary) ?? throw new ArgumentException($"Video model {video.Model} has no device.", nameof(video));
        var props = new JsonObject { ["driver"] = driver, ["id"] = id };
        switch (video.Model)
        {
            case VideoModel.Qxl:
                props["max_outputs"] = video.Heads ?? 1;
                props["ram_size"] = (video.Ram ?? 65536) * 1024L;
                props["vram_size"] = (video.Vram ?? 65536) * 1024L;
                props["vram64_size_mb"] = 0;
                props["vgamem_mb"] = (video.Vgamem ?? 16384) / 1024;
                break;
            case VideoModel.Virtio:
                props["max_outputs"] = video.Heads ?? 1;
                break;
            case VideoModel.Vga or VideoModel.Vmvga:
                props["vgamem_mb"] = (video.Vram ?? 16384) / 1024;
                break;
            case VideoModel.Bochs:
                props["vgamem"] = (video.Vram ?? 16384) * 1024L;
                break;
            default:
                break;
        }
        pci?.WriteTo(props);
        return props;
    }

    /// <summary>The memory balloon. Free page reporting stays off unless asked for; the stats period is set over QMP after start.</summary>
    public static JsonObject ForBalloon(MemBalloon balloon, string id, PciSlot pci)
    {
        ArgumentNullException.ThrowIfNull(balloon);
        var props = new JsonObject
        {
            ["driver"] = balloon.Model switch
            {
                MemBalloonModel.VirtioTransitional => "virtio-balloon-pci-transitional",
                MemBalloonModel.VirtioNonTransitional => "virtio-balloon-pci-non-transitional",
                _ => "virtio-balloon-pci",
            },
            ["id"] = id,
        };
        pci.WriteTo(props);
        if (balloon.AutoDeflate is { } deflate)
        {
            props["deflate-on-oom"] = deflate;
        }
        props["free-page-reporting"] = false;
        return props;
    }

    /// <summary>The <c>-object</c> an RNG device reads from.</summary>
    public static JsonObject ForRngBackend(RngDevice rng, string objectId)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return rng.Backend switch
        {
            RngBackendModel.Builtin => new JsonObject { ["qom-type"] = "rng-builtin", ["id"] = objectId },
            RngBackendModel.Random => new JsonObject { ["qom-type"] = "rng-random", ["id"] = objectId, ["filename"] = rng.BackendPath ?? "/dev/random" },
            _ => throw new ArgumentException($"RNG backend {rng.Backend} needs a chardev.", nameof(rng)),
        };
    }

    /// <summary>A virtio RNG device.</summary>
    public static JsonObject ForRng(RngDevice rng, string id, string objectId, PciSlot pci)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var props = new JsonObject
        {
            ["driver"] = rng.Model switch
            {
                RngModel.VirtioTransitional => "virtio-rng-pci-transitional",
                RngModel.VirtioNonTransitional => "virtio-rng-pci-non-transitional",
                _ => "virtio-rng-pci",
            },
            ["rng"] = objectId,
        };
        if (rng.RateBytes is { } bytes)
        {
            props["max-bytes"] = bytes;
            props["period"] = rng.RatePeriod ?? 1000;
        }
        props["id"] = id;
        pci.WriteTo(props);
        return props;
    }

    /// <summary>A watchdog (i6300esb on PCI, ib700 on ISA).</summary>
    public static JsonObject ForWatchdog(Watchdog watchdog, string id, PciSlot? pci)
    {
        ArgumentNullException.ThrowIfNull(watchdog);
        var props = new JsonObject { ["driver"] = watchdog.Model == WatchdogModel.Ib700 ? "ib700" : "i6300esb", ["id"] = id };
        pci?.WriteTo(props);
        return props;
    }

    /// <summary>A virtio-9p share; its <c>-fsdev</c> is <paramref name="fsdev"/>.</summary>
    public static JsonObject ForFilesystem(Filesystem filesystem, string id, string fsdev, PciSlot pci)
    {
        ArgumentNullException.ThrowIfNull(filesystem);
        var props = new JsonObject
        {
            ["driver"] = "virtio-9p-pci",
            ["id"] = id,
            ["fsdev"] = fsdev,
            ["mount_tag"] = filesystem.TargetDir,
        };
        pci.WriteTo(props);
        return props;
    }

    /// <summary>A PCI host device assigned with VFIO.</summary>
    public static JsonObject ForHostdev(Hostdev hostdev, string id, PciSlot pci, int? bootIndex)
    {
        ArgumentNullException.ThrowIfNull(hostdev);
        var source = hostdev.Source;
        var props = new JsonObject
        {
            ["driver"] = "vfio-pci",
            ["host"] = Invariant($"{source.Domain ?? 0:x4}:{source.Bus ?? 0:x2}:{source.Slot ?? 0:x2}.{source.Function ?? 0:x}"),
            ["id"] = id,
        };
        if (bootIndex is { } boot)
        {
            props["bootindex"] = boot;
        }
        pci.WriteTo(props);
        return props;
    }

    /// <summary>The QEMU model of an input device, or null when the machine has it built in (PS/2).</summary>
    public static string? InputDriver(InputDevice input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return (input.Bus ?? InputBus.Ps2, input.Type) switch
        {
            (InputBus.Usb, InputType.Tablet) => "usb-tablet",
            (InputBus.Usb, InputType.Mouse) => "usb-mouse",
            (InputBus.Usb, InputType.Keyboard) => "usb-kbd",
            (InputBus.Virtio, InputType.Tablet) => "virtio-tablet-pci",
            (InputBus.Virtio, InputType.Mouse) => "virtio-mouse-pci",
            (InputBus.Virtio, InputType.Keyboard) => "virtio-keyboard-pci",
            _ => null,
        };
    }

    /// <summary>A USB or virtio input device.</summary>
    public static JsonObject ForInput(InputDevice input, string id, PciSlot? pci, string? usbPort)
    {
        var props = new JsonObject
        {
            ["driver"] = InputDriver(input) ?? throw new ArgumentException("PS/2 input devices are built in.", nameof(input)),
            ["id"] = id,
        };
        if (usbPort is not null)
        {
            props["bus"] = "usb.0";
            props["port"] = usbPort;
        }
        pci?.WriteTo(props);
        return props;
    }

    /// <summary>An ISA serial port.</summary>
    public static JsonObject ForSerial(string chardev, string id, uint index) => new()
    {
        ["driver"] = "isa-serial",
        ["chardev"] = chardev,
        ["id"] = id,
        ["index"] = index,
    };

    /// <summary>A port on a virtio-serial controller: <c>virtconsole</c> for consoles, <c>virtserialport</c> for channels.</summary>
    public static JsonObject ForVirtioSerialPort(string bus, uint nr, string chardev, string id, string? name, bool console)
    {
        var props = new JsonObject
        {
            ["driver"] = console ? "virtconsole" : "virtserialport",
            ["bus"] = bus,
            ["nr"] = nr,
            ["chardev"] = chardev,
            ["id"] = id,
        };
        if (name is not null)
        {
            props["name"] = name;
        }
        return props;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
