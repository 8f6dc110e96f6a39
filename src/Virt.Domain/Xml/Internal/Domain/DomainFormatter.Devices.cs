using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Device formatting, in libvirt's device order (virDomainDefFormatInternal).</summary>
internal static partial class DomainFormatter
{
    private static XElement Devices(DomainDevices devices)
    {
        var element = new XElement("devices").TextChild("emulator", devices.Emulator);
        element.AddAnnotation(KeepOpen.Instance);
        element.Add(devices.Disks.Select(Disk));
        element.Add(devices.Controllers.Select(Controller));
        element.Add(devices.Filesystems.Select(Filesystem));
        element.Add(devices.Interfaces.Select(Interface));
        element.Add(devices.Serials.Select(c => Char("serial", c)));
        element.Add(devices.Parallels.Select(c => Char("parallel", c)));
        element.Add(devices.Consoles.Select(c => Char("console", c)));
        element.Add(devices.Channels.Select(c => Char("channel", c)));
        element.Add(devices.Inputs.Select(i => Info(new XElement("input").Attr("type", DomainXmlNames.InputType.ToXml(i.Type)).Attr("bus", i.Bus is null ? null : DomainXmlNames.InputBus.ToXml(i.Bus.Value)), null, i.Alias, i.Address)));
        element.Add(devices.Graphics.Select(Graphics));
        element.Add(devices.Sounds.Select(s => Info(new XElement("sound").Attr("model", DomainXmlNames.SoundModel.ToXml(s.Model)).Child(s.AudioId is null ? null : new XElement("audio").Attr("id", s.AudioId)), null, s.Alias, s.Address)));
        element.Add(devices.Audios.Select(a => new XElement("audio").Attr("id", a.Id).Attr("type", a.Type)));
        element.Add(devices.Videos.Select(Video));
        element.Add(devices.Hostdevs.Select(Hostdev));
        element.Add(devices.RedirDevices.Select(r => Info(CharBody(new XElement("redirdev").Attr("bus", "usb").Attr("type", DomainXmlNames.CharDeviceType.ToXml(r.Type)), r.Type, r.Source, null), null, r.Alias, r.Address)));
        element.Add(devices.Watchdogs.Select(w => Info(new XElement("watchdog").Attr("model", DomainXmlNames.WatchdogModel.ToXml(w.Model)).Attr("action", DomainXmlNames.WatchdogAction.ToXml(w.Action)), null, w.Alias, w.Address)));
        if (devices.MemBalloon is { } balloon)
        {
            var b = new XElement("memballoon")
                .Attr("model", DomainXmlNames.MemBalloonModel.ToXml(balloon.Model))
                .Attr("autodeflate", balloon.AutoDeflate is null ? null : CommonParsers.OnOff(balloon.AutoDeflate.Value));
            if (balloon.StatsPeriod is not null)
            {
                b.Add(new XElement("stats").Attr("period", balloon.StatsPeriod));
            }
            element.Add(Info(b, null, balloon.Alias, balloon.Address));
        }
        element.Add(devices.Rngs.Select(Rng));
        element.Add(devices.Panics.Select(p => Info(new XElement("panic").Attr("model", p.Model is null ? null : DomainXmlNames.PanicModel.ToXml(p.Model.Value)), null, null, p.Address)));
        return element;
    }

    private static XElement Disk(Disk disk)
    {
        var element = new XElement("disk").Attr("type", DomainXmlNames.DiskType.ToXml(disk.Type)).Attr("device", DomainXmlNames.DiskDevice.ToXml(disk.Device));
        if (disk.Driver is { } d)
        {
            element.Add(new XElement("driver")
                .Attr("name", d.Name)
                .Attr("type", d.Format is null ? null : DomainXmlNames.ImageFormat.ToXml(d.Format.Value))
                .Attr("cache", d.Cache is null ? null : DomainXmlNames.DiskCache.ToXml(d.Cache.Value))
                .Attr("io", d.Io is null ? null : DomainXmlNames.DiskIo.ToXml(d.Io.Value))
                .Attr("discard", d.Discard is null ? null : DomainXmlNames.DiskDiscard.ToXml(d.Discard.Value)));
        }
        element.Child(DiskSource(disk.Source)).Child(BackingStore(disk.BackingStore));
        element.Add(new XElement("target").Attr("dev", disk.Target.Dev).Attr("bus", DomainXmlNames.DiskBus.ToXml(disk.Target.Bus)));
        if (disk.ReadOnly)
        {
            element.Add(new XElement("readonly"));
        }
        if (disk.Shareable)
        {
            element.Add(new XElement("shareable"));
        }
        element.TextChild("serial", disk.Serial);
        return Info(element, disk.BootOrder, disk.Alias, disk.Address);
    }

    private static XElement? DiskSource(DiskSource? source) => source is null
        ? null
        : new XElement("source").Attr("file", source.File).Attr("dev", source.Dev).Attr("pool", source.Pool).Attr("volume", source.Volume).Attr("index", source.Index);

    private static XElement? BackingStore(BackingStore? backing)
    {
        if (backing is null)
        {
            return null;
        }
        var element = new XElement("backingStore");
        if (backing.Type is null)
        {
            return element;
        }
        element.Attr("type", DomainXmlNames.DiskType.ToXml(backing.Type.Value)).Attr("index", backing.Index);
        if (backing.Format is not null)
        {
            element.Add(new XElement("format").Attr("type", DomainXmlNames.ImageFormat.ToXml(backing.Format.Value)));
        }
        return element.Child(DiskSource(backing.Source)).Child(BackingStore(backing.Next));
    }

    private static XElement Controller(Controller c)
    {
        var element = new XElement("controller")
            .Attr("type", DomainXmlNames.ControllerType.ToXml(c.Type))
            .Attr("index", c.Index)
            .Attr("model", c.Model)
            .Attr("ports", c.Ports)
            .Attr("vectors", c.Vectors);
        if (c.DriverQueues is not null)
        {
            element.Add(new XElement("driver").Attr("queues", c.DriverQueues));
        }
        if (c.ModelName is not null)
        {
            element.Add(new XElement("model").Attr("name", c.ModelName));
        }
        if (c.Target is { } t)
        {
            element.Add(new XElement("target")
                .Attr("chassisNr", t.ChassisNr)
                .Attr("chassis", t.Chassis)
                .Attr("port", t.Port is null ? null : Hex(t.Port.Value, 1))
                .Attr("busNr", t.BusNr)
                .Attr("hotplug", t.Hotplug is null ? null : CommonParsers.OnOff(t.Hotplug.Value)));
        }
        if (c.Alias is not null)
        {
            element.Add(new XElement("alias").Attr("name", c.Alias));
        }
        if (c.MasterStartPort is not null)
        {
            element.Add(new XElement("master").Attr("startport", c.MasterStartPort));
        }
        return element.Child(Address(c.Address));
    }

    private static XElement Filesystem(Filesystem fs)
    {
        var element = new XElement("filesystem")
            .Attr("type", "mount")
            .Attr("accessmode", fs.AccessMode is null ? null : DomainXmlNames.FilesystemAccessMode.ToXml(fs.AccessMode.Value));
        if (fs.DriverType is not null)
        {
            element.Add(new XElement("driver").Attr("type", DomainXmlNames.FilesystemDriverType.ToXml(fs.DriverType.Value)));
        }
        element.Add(new XElement("source").Attr("dir", fs.SourceDir), new XElement("target").Attr("dir", fs.TargetDir));
        if (fs.ReadOnly)
        {
            element.Add(new XElement("readonly"));
        }
        return Info(element, null, fs.Alias, fs.Address);
    }

    private static XElement Interface(NetworkInterface nic)
    {
        var element = new XElement("interface").Attr("type", DomainXmlNames.InterfaceType.ToXml(nic.Type));
        element.Add(new XElement("mac").Attr("address", nic.Mac));
        if (nic.Source is { } s)
        {
            element.Add(new XElement("source")
                .Attr("network", s.Network)
                .Attr("portid", s.PortId)
                .Attr("bridge", s.Bridge)
                .Attr("dev", s.Dev)
                .Attr("mode", s.Mode is null ? null : DomainXmlNames.DirectMode.ToXml(s.Mode.Value)));
        }
        if (nic.TargetDev is not null || nic.TargetManaged is not null)
        {
            element.Add(new XElement("target").Attr("dev", nic.TargetDev).Attr("managed", nic.TargetManaged is { } managed ? CommonParsers.YesNo(managed) : null));
        }
        if (nic.Model is not null)
        {
            element.Add(new XElement("model").Attr("type", DomainXmlNames.InterfaceModel.ToXml(nic.Model.Value)));
        }
        if (nic.DriverName is not null || nic.DriverQueues is not null)
        {
            element.Add(new XElement("driver").Attr("name", nic.DriverName is null ? null : DomainXmlNames.InterfaceDriverName.ToXml(nic.DriverName.Value)).Attr("queues", nic.DriverQueues));
        }
        if (nic.LinkUp is not null)
        {
            element.Add(new XElement("link").Attr("state", nic.LinkUp.Value ? "up" : "down"));
        }
        if (nic.Mtu is not null)
        {
            element.Add(new XElement("mtu").Attr("size", nic.Mtu));
        }
        return Info(element, nic.BootOrder, nic.Alias, nic.Address);
    }

    private static XElement Char(string name, CharDevice c)
    {
        var element = new XElement(name).Attr("type", DomainXmlNames.CharDeviceType.ToXml(c.Type));
        // libvirt still writes the legacy tty attribute on pty consoles.
        if (name == "console" && c.Type == CharDeviceType.Pty && c.Source?.Path is not null)
        {
            element.Attr("tty", c.Source.Path);
        }
        CharBody(element, c.Type, c.Source, c.Protocol);
        if (c.LogFile is not null)
        {
            element.Add(new XElement("log").Attr("file", c.LogFile).Attr("append", c.LogAppend is null ? null : CommonParsers.OnOff(c.LogAppend.Value)));
        }
        if (c.Target is { } t)
        {
            var target = new XElement("target")
                .Attr("type", t.Type)
                .Attr("name", t.Name)
                .Attr("address", t.Address)
                .Attr("port", t.Port)
                .Attr("state", t.State);
            if (t.ModelName is not null)
            {
                target.Add(new XElement("model").Attr("name", t.ModelName));
            }
            element.Add(target);
        }
        return Info(element, null, c.Alias, c.Address);
    }

    private static XElement CharBody(XElement element, CharDeviceType type, CharSource? s, CharProtocol? protocol)
    {
        if (s is not null && !(type == CharDeviceType.Pty && s.Path is null))
        {
            element.Add(new XElement("source")
                .Attr("mode", s.Mode is null ? null : DomainXmlNames.CharSourceMode.ToXml(s.Mode.Value))
                .Attr("host", s.Host)
                .Attr("service", s.Service)
                .Attr("path", s.Path)
                .Attr("append", s.Append is null ? null : CommonParsers.OnOff(s.Append.Value))
                .Attr("tls", s.Tls is null ? null : CommonParsers.YesNo(s.Tls.Value)));
        }
        if (protocol is not null)
        {
            element.Add(new XElement("protocol").Attr("type", DomainXmlNames.CharProtocol.ToXml(protocol.Value)));
        }
        return element;
    }

    private static XElement Graphics(Graphics g)
    {
        var element = new XElement("graphics").Attr("type", DomainXmlNames.GraphicsType.ToXml(g.Type));
        var first = g.Listens.Count > 0 ? g.Listens[0] : null;
        if (g.Type == GraphicsType.Vnc && first?.Type == GraphicsListenType.Socket)
        {
            element.Attr("socket", first.Socket);
        }
        if (first?.Type is GraphicsListenType.Address or GraphicsListenType.Network)
        {
            if (g.Type == GraphicsType.Vnc)
            {
                element.Attr("port", g.Port ?? (g.AutoPort ? -1 : null)).Attr("autoport", CommonParsers.YesNo(g.AutoPort));
            }
            else
            {
                element.Attr("port", g.Port).Attr("tlsPort", g.TlsPort).Attr("autoport", CommonParsers.YesNo(g.AutoPort));
            }
        }
        element.Attr("listen", first?.Type == GraphicsListenType.Address ? first.Address : null).Attr("keymap", g.Keymap).Attr("passwd", g.Password);
        foreach (var listen in g.Listens)
        {
            element.Add(new XElement("listen")
                .Attr("type", DomainXmlNames.GraphicsListenType.ToXml(listen.Type))
                .Attr("address", listen.Address)
                .Attr("network", listen.Network)
                .Attr("socket", listen.Socket));
        }
        if (g.ImageCompression is not null)
        {
            element.Add(new XElement("image").Attr("compression", g.ImageCompression));
        }
        return element;
    }

    private static XElement Video(Video v)
    {
        var model = new XElement("model")
            .Attr("type", DomainXmlNames.VideoModel.ToXml(v.Model))
            .Attr("ram", v.Ram)
            .Attr("vram", v.Vram)
            .Attr("vgamem", v.Vgamem)
            .Attr("heads", v.Heads)
            .Attr("primary", v.Primary is null ? null : CommonParsers.YesNo(v.Primary.Value));
        return Info(new XElement("video", model), null, v.Alias, v.Address);
    }

    private static XElement Hostdev(Hostdev h)
    {
        var element = new XElement("hostdev").Attr("mode", "subsystem").Attr("type", "pci").Attr("managed", CommonParsers.YesNo(h.Managed));
        if (h.DriverName is not null)
        {
            element.Add(new XElement("driver").Attr("name", h.DriverName));
        }
        var source = Address(h.Source)!;
        source.Attribute("type")!.Remove();
        element.Add(new XElement("source", source));
        return Info(element, h.BootOrder, h.Alias, h.Address);
    }

    private static XElement Rng(RngDevice r)
    {
        var element = new XElement("rng").Attr("model", DomainXmlNames.RngModel.ToXml(r.Model));
        if (r.RateBytes is not null)
        {
            element.Add(new XElement("rate").Attr("bytes", r.RateBytes).Attr("period", r.RatePeriod));
        }
        var backend = new XElement("backend", r.BackendPath).Attr("model", DomainXmlNames.RngBackendModel.ToXml(r.Backend));
        if (r.EgdSource is { } egd)
        {
            backend.Attr("type", DomainXmlNames.CharDeviceType.ToXml(egd.Type));
            CharBody(backend, egd.Type, egd.Source, egd.Protocol);
        }
        element.Add(backend);
        return Info(element, null, r.Alias, r.Address);
    }

    /// <summary>libvirt's virDomainDeviceInfoFormat: boot order, alias, then address.</summary>
    private static XElement Info(XElement element, uint? bootOrder, string? alias, DeviceAddress? address)
    {
        if (bootOrder is not null)
        {
            element.Add(new XElement("boot").Attr("order", bootOrder));
        }
        if (alias is not null)
        {
            element.Add(new XElement("alias").Attr("name", alias));
        }
        return element.Child(Address(address));
    }

    private static XElement? Address(DeviceAddress? a)
    {
        if (a is null)
        {
            return null;
        }
        var element = new XElement("address").Attr("type", DomainXmlNames.AddressType.ToXml(a.Type));
        switch (a.Type)
        {
            case AddressType.Pci:
                element.Attr("domain", Hex(a.Domain ?? 0, 4)).Attr("bus", Hex(a.Bus ?? 0, 2)).Attr("slot", Hex(a.Slot ?? 0, 2)).Attr("function", Hex(a.Function ?? 0, 1))
                    .Attr("multifunction", a.Multifunction is null ? null : CommonParsers.OnOff(a.Multifunction.Value));
                break;
            case AddressType.Drive:
                element.Attr("controller", a.Controller).Attr("bus", a.Bus).Attr("target", a.Target).Attr("unit", a.Unit);
                break;
            case AddressType.VirtioSerial:
                element.Attr("controller", a.Controller).Attr("bus", a.Bus).Attr("port", a.Port);
                break;
            case AddressType.Usb:
                element.Attr("bus", a.Bus).Attr("port", a.UsbPort);
                break;
            case AddressType.Ccid:
                element.Attr("controller", a.Controller).Attr("slot", a.Slot);
                break;
            default:
                element.Attr("iobase", a.IoBase is null ? null : Hex(a.IoBase.Value, 1)).Attr("irq", a.Irq is null ? null : Hex(a.Irq.Value, 1));
                break;
        }
        return element;
    }
}
