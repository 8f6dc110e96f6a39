namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Storage, controller, network, filesystem and host devices.</summary>
internal sealed partial class DomainParser
{
    private DomainDevices Devices(ElementReader? devices)
    {
        if (devices is null)
        {
            return new DomainDevices();
        }
        var balloons = devices.Children("memballoon");
        if (balloons.Count > 1)
        {
            throw balloons[1].Error(DefinitionErrorReason.Conflict, "A guest can have only one <memballoon>", null, allowed: "a single memballoon");
        }
        var result = new DomainDevices
        {
            Emulator = devices.ChildText("emulator"),
            Disks = devices.Children("disk").Select(Disk).ToValueList(),
            Controllers = devices.Children("controller").Select(Controller).ToValueList(),
            Filesystems = devices.Children("filesystem").Select(Filesystem).ToValueList(),
            Interfaces = devices.Children("interface").Select(Interface).ToValueList(),
            Serials = devices.Children("serial").Select(c => CharDevice(c, CharKind.Serial)).ToValueList(),
            Parallels = devices.Children("parallel").Select(c => CharDevice(c, CharKind.Parallel)).ToValueList(),
            Consoles = devices.Children("console").Select(c => CharDevice(c, CharKind.Console)).ToValueList(),
            Channels = devices.Children("channel").Select(c => CharDevice(c, CharKind.Channel)).ToValueList(),
            Inputs = devices.Children("input").Select(Input).ToValueList(),
            Graphics = devices.Children("graphics").Select(Graphics).ToValueList(),
            Sounds = devices.Children("sound").Select(Sound).ToValueList(),
            Audios = devices.Children("audio").Select(Audio).ToValueList(),
            Videos = devices.Children("video").Select(Video).ToValueList(),
            Hostdevs = devices.Children("hostdev").Select(Hostdev).ToValueList(),
            RedirDevices = devices.Children("redirdev").Select(RedirDev).ToValueList(),
            Watchdogs = devices.Children("watchdog").Select(Watchdog).ToValueList(),
            MemBalloon = balloons.Count == 0 ? null : MemBalloon(balloons[0]),
            Rngs = devices.Children("rng").Select(Rng).ToValueList(),
            Panics = devices.Children("panic").Select(Panic).ToValueList(),
        };
        devices.Done();
        return result;
    }

    private static Disk Disk(ElementReader disk)
    {
        var type = disk.Enum("type", DomainXmlNames.DiskType) ?? DiskType.File;
        var device = disk.Enum("device", DomainXmlNames.DiskDevice) ?? DiskDevice.Disk;
        DiskDriver? driver = null;
        if (disk.Child("driver") is { } d)
        {
            driver = new DiskDriver
            {
                Name = d.NonEmptyAttr("name"),
                Format = d.Enum("type", DomainXmlNames.ImageFormat),
                Cache = d.Enum("cache", DomainXmlNames.DiskCache),
                Io = d.Enum("io", DomainXmlNames.DiskIo),
                Discard = d.Enum("discard", DomainXmlNames.DiskDiscard),
            };
            d.Done();
        }
        var source = disk.Child("source") is { } s ? DiskSource(s, type) : null;
        var backing = disk.Child("backingStore") is { } b ? BackingStore(b) : null;
        var target = disk.Child("target") ?? throw disk.Error(DefinitionErrorReason.MissingRequired, "The <disk> element needs a <target dev='…'/>", null, allowed: "<target dev='vda' bus='virtio'/>");
        var dev = target.NonEmptyAttr("dev") ?? throw target.Error(DefinitionErrorReason.MissingRequired, "The disk <target> needs a 'dev' attribute", null, "dev");
        if (!DiskNames.TryIndex(dev, out _))
        {
            throw target.Error(DefinitionErrorReason.InvalidValue, $"'{dev}' is not a valid disk target name", dev, "dev", "a prefix hd, sd, vd, fd, xvd or ubd followed by letters, e.g. vda");
        }
        var bus = target.Enum("bus", DomainXmlNames.DiskBus) ?? DiskNames.DefaultBus(dev, device);
        target.Done();
        var result = new Disk
        {
            Type = type,
            Device = device,
            Driver = driver,
            Source = source,
            BackingStore = backing,
            Target = new DiskTarget(dev, bus),
            ReadOnly = disk.Flag("readonly"),
            Shareable = disk.Flag("shareable"),
            Serial = disk.ChildText("serial"),
            BootOrder = BootOrder(disk),
            Alias = Alias(disk),
            Address = Address(disk),
        };
        disk.Done();
        return result;
    }

    private static DiskSource DiskSource(ElementReader source, DiskType type)
    {
        var result = type switch
        {
            DiskType.File => new DiskSource { File = source.NonEmptyAttr("file") },
            DiskType.Block => new DiskSource { Dev = source.NonEmptyAttr("dev") },
            _ => new DiskSource
            {
                Pool = source.NonEmptyAttr("pool") ?? throw source.Error(DefinitionErrorReason.MissingRequired, "A volume disk <source> needs a 'pool' attribute", null, "pool"),
                Volume = source.NonEmptyAttr("volume") ?? throw source.Error(DefinitionErrorReason.MissingRequired, "A volume disk <source> needs a 'volume' attribute", null, "volume"),
            },
        };
        result = result with { Index = source.UInt32("index") };
        source.Done();
        return result;
    }

    private static BackingStore BackingStore(ElementReader backing)
    {
        var type = backing.Enum("type", DomainXmlNames.DiskType);
        if (type is null)
        {
            backing.Done();
            return new BackingStore();
        }
        ImageFormat? format = null;
        if (backing.Child("format") is { } f)
        {
            format = f.RequiredEnum("type", DomainXmlNames.ImageFormat);
            f.Done();
        }
        var result = new BackingStore
        {
            Type = type,
            Index = backing.UInt32("index"),
            Format = format,
            Source = backing.Child("source") is { } s ? DiskSource(s, type.Value) : null,
            Next = backing.Child("backingStore") is { } next ? BackingStore(next) : null,
        };
        backing.Done();
        return result;
    }

    private static Controller Controller(ElementReader controller)
    {
        var type = controller.RequiredEnum("type", DomainXmlNames.ControllerType);
        var model = controller.Attr("model");
        if (model is not null && !DomainXmlNames.ControllerModels[type].Contains(model))
        {
            var allowed = DomainXmlNames.ControllerModels[type];
            throw controller.Error(DefinitionErrorReason.InvalidValue, $"'{model}' is not a supported {DomainXmlNames.ControllerType.ToXml(type)} controller model", model, "model", allowed.Count == 0 ? "no model" : string.Join(", ", allowed));
        }
        uint? queues = null;
        if (controller.Child("driver") is { } d)
        {
            queues = d.UInt32("queues");
            d.Done();
        }
        string? modelName = null;
        if (controller.Child("model") is { } m)
        {
            modelName = m.NonEmptyAttr("name") ?? throw m.Error(DefinitionErrorReason.MissingRequired, "The controller <model> needs a 'name' attribute", null, "name");
            m.Done();
        }
        PciControllerTarget? target = null;
        if (controller.Child("target") is { } t)
        {
            target = new PciControllerTarget
            {
                ChassisNr = t.UInt32("chassisNr", 255),
                Chassis = t.UInt32("chassis", 255),
                Port = t.UInt32("port", 255),
                BusNr = t.UInt32("busNr", 255),
                Hotplug = t.OnOff("hotplug"),
            };
            t.Done();
        }
        uint? startPort = null;
        if (controller.Child("master") is { } master)
        {
            startPort = master.UInt32("startport") ?? throw master.Error(DefinitionErrorReason.MissingRequired, "The <master> element needs a 'startport' attribute", null, "startport");
            master.Done();
        }
        var result = new Controller
        {
            Type = type,
            // Missing indexes are assigned after the whole device list is known.
            Index = controller.UInt32("index", 255) ?? UnassignedIndex,
            Model = model,
            Ports = controller.UInt32("ports"),
            Vectors = controller.UInt32("vectors"),
            DriverQueues = queues,
            ModelName = modelName,
            Target = target,
            MasterStartPort = startPort,
            Alias = Alias(controller),
            Address = Address(controller),
        };
        controller.Done();
        return result;
    }

    internal const uint UnassignedIndex = uint.MaxValue;

    private NetworkInterface Interface(ElementReader nic)
    {
        var type = nic.RequiredEnum("type", DomainXmlNames.InterfaceType);
        var mac = nic.Child("mac") is { } m ? MacChild(m) : _options.NewMac();
        InterfaceSource? source = null;
        var s = nic.Child("source");
        if (s is not null)
        {
            source = type switch
            {
                InterfaceType.Network => new InterfaceSource
                {
                    Network = s.NonEmptyAttr("network") ?? throw s.Error(DefinitionErrorReason.MissingRequired, "A network interface <source> needs a 'network' attribute", null, "network"),
                    PortId = s.NonEmptyAttr("portid"),
                    Bridge = s.NonEmptyAttr("bridge"),
                },
                InterfaceType.Bridge => new InterfaceSource { Bridge = s.NonEmptyAttr("bridge") ?? throw s.Error(DefinitionErrorReason.MissingRequired, "A bridge interface <source> needs a 'bridge' attribute", null, "bridge") },
                InterfaceType.Direct => new InterfaceSource
                {
                    Dev = s.NonEmptyAttr("dev") ?? throw s.Error(DefinitionErrorReason.MissingRequired, "A direct interface <source> needs a 'dev' attribute", null, "dev"),
                    Mode = s.Enum("mode", DomainXmlNames.DirectMode),
                },
                _ => throw s.Error(DefinitionErrorReason.UnknownElement, $"A {DomainXmlNames.InterfaceType.ToXml(type)} interface takes no <source>", "source", allowed: "no <source> element"),
            };
            s.Done();
        }
        else if (type is InterfaceType.Network or InterfaceType.Bridge or InterfaceType.Direct)
        {
            throw nic.Error(DefinitionErrorReason.MissingRequired, $"A {DomainXmlNames.InterfaceType.ToXml(type)} interface needs a <source>", null);
        }
        string? targetDev = null;
        bool? targetManaged = null;
        if (nic.Child("target") is { } t)
        {
            targetDev = t.NonEmptyAttr("dev");
            targetManaged = t.YesNo("managed");
            t.Done();
        }
        InterfaceModel? model = null;
        if (nic.Child("model") is { } mo)
        {
            model = mo.RequiredEnum("type", DomainXmlNames.InterfaceModel);
            mo.Done();
        }
        InterfaceDriverName? driverName = null;
        uint? queues = null;
        if (nic.Child("driver") is { } d)
        {
            driverName = d.Enum("name", DomainXmlNames.InterfaceDriverName);
            queues = d.UInt32("queues");
            d.Done();
        }
        bool? link = null;
        if (nic.Child("link") is { } l)
        {
            var state = l.RequiredAttr("state");
            link = state switch
            {
                "up" => true,
                "down" => false,
                _ => throw l.Error(DefinitionErrorReason.InvalidValue, $"'{state}' is not a link state", state, "state", "up, down"),
            };
            l.Done();
        }
        uint? mtu = null;
        if (nic.Child("mtu") is { } mt)
        {
            mtu = mt.UInt32("size", 65535) ?? throw mt.Error(DefinitionErrorReason.MissingRequired, "The <mtu> element needs a 'size' attribute", null, "size");
            mt.Done();
        }
        var result = new NetworkInterface
        {
            Type = type,
            Mac = mac,
            Source = source,
            TargetDev = targetDev,
            TargetManaged = targetManaged,
            Model = model,
            DriverName = driverName,
            DriverQueues = queues,
            LinkUp = link,
            Mtu = mtu,
            BootOrder = BootOrder(nic),
            Alias = Alias(nic),
            Address = Address(nic),
        };
        nic.Done();
        return result;
    }

    private static string MacChild(ElementReader mac)
    {
        var value = CommonParsers.Mac(mac, "address", unicast: true);
        mac.Done();
        return value;
    }

    private static Filesystem Filesystem(ElementReader fs)
    {
        var type = fs.Attr("type");
        if (type is not null and not "mount")
        {
            throw fs.Error(DefinitionErrorReason.InvalidValue, $"'{type}' filesystems are not supported", type, "type", "mount");
        }
        FilesystemDriverType? driver = null;
        if (fs.Child("driver") is { } d)
        {
            driver = d.Enum("type", DomainXmlNames.FilesystemDriverType);
            d.Done();
        }
        var source = fs.RequiredChild("source");
        var sourceDir = source.NonEmptyAttr("dir") ?? throw source.Error(DefinitionErrorReason.MissingRequired, "The filesystem <source> needs a 'dir' attribute", null, "dir");
        source.Done();
        var target = fs.RequiredChild("target");
        var targetDir = target.NonEmptyAttr("dir") ?? throw target.Error(DefinitionErrorReason.MissingRequired, "The filesystem <target> needs a 'dir' attribute", null, "dir");
        target.Done();
        var result = new Filesystem
        {
            AccessMode = fs.Enum("accessmode", DomainXmlNames.FilesystemAccessMode),
            DriverType = driver,
            SourceDir = sourceDir,
            TargetDir = targetDir,
            ReadOnly = fs.Flag("readonly"),
            Alias = Alias(fs),
            Address = Address(fs),
        };
        fs.Done();
        return result;
    }

    private static Hostdev Hostdev(ElementReader hostdev)
    {
        var mode = hostdev.Attr("mode") ?? "subsystem";
        if (mode != "subsystem")
        {
            throw hostdev.Error(DefinitionErrorReason.InvalidValue, $"'{mode}' host devices are not supported", mode, "mode", "subsystem");
        }
        var type = hostdev.RequiredAttr("type");
        if (type != "pci")
        {
            throw hostdev.Error(DefinitionErrorReason.InvalidValue, $"'{type}' host devices are not supported", type, "type", "pci");
        }
        string? driverName = null;
        if (hostdev.Child("driver") is { } d)
        {
            driverName = d.NonEmptyAttr("name");
            d.Done();
        }
        var source = hostdev.RequiredChild("source");
        var pci = source.RequiredChild("address");
        var address = PciAddress(pci, AddressType.Pci);
        pci.Done();
        source.Done();
        var result = new Hostdev
        {
            Managed = hostdev.YesNo("managed") ?? false,
            DriverName = driverName,
            Source = address,
            BootOrder = BootOrder(hostdev),
            Alias = Alias(hostdev),
            Address = Address(hostdev),
        };
        hostdev.Done();
        return result;
    }

    private static DeviceAddress? Address(ElementReader device)
    {
        var address = device.Child("address");
        if (address is null)
        {
            return null;
        }
        var type = address.RequiredEnum("type", DomainXmlNames.AddressType);
        var result = type switch
        {
            AddressType.Pci => PciAddress(address, type),
            AddressType.Drive => new DeviceAddress
            {
                Type = type,
                Controller = address.UInt32("controller", 255) ?? 0,
                Bus = address.UInt32("bus") ?? 0,
                Target = address.UInt32("target") ?? 0,
                Unit = address.UInt32("unit") ?? 0,
            },
            AddressType.VirtioSerial => new DeviceAddress
            {
                Type = type,
                Controller = address.UInt32("controller", 255) ?? 0,
                Bus = address.UInt32("bus") ?? 0,
                Port = address.UInt32("port") ?? 0,
            },
            AddressType.Usb => new DeviceAddress { Type = type, Bus = address.UInt32("bus") ?? 0, UsbPort = UsbPort(address) },
            AddressType.Ccid => new DeviceAddress { Type = type, Controller = address.UInt32("controller") ?? 0, Slot = address.UInt32("slot") ?? 0 },
            _ => new DeviceAddress { Type = type, IoBase = address.UInt32("iobase", 0xffff), Irq = address.UInt32("irq", 0xff) },
        };
        address.Done();
        return result;
    }

    private static string? UsbPort(ElementReader address)
    {
        var port = address.Attr("port");
        if (port is not null && !port.Split('.').All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)))
        {
            throw address.Error(DefinitionErrorReason.InvalidValue, $"'{port}' is not a USB port path", port, "port", "dot-separated port numbers, e.g. 1 or 1.2");
        }
        return port;
    }

    private static DeviceAddress PciAddress(ElementReader address, AddressType type) => new()
    {
        Type = type,
        Domain = address.UInt32("domain", 0xffff) ?? 0,
        Bus = address.UInt32("bus", 0xff) ?? 0,
        Slot = address.UInt32("slot", 0x1f) ?? 0,
        Function = address.UInt32("function", 7) ?? 0,
        Multifunction = address.OnOff("multifunction"),
    };
}
