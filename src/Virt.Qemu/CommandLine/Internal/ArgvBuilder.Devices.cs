using Virt.Domain;
using Virt.Qemu.CommandLine.Devices;

namespace Virt.Qemu.CommandLine.Internal;

internal sealed partial class ArgvBuilder
{
    private void AddSerials()
    {
        for (var i = 0; i < Devices.Serials.Count; i++)
        {
            var serial = Devices.Serials[i];
            var location = $"/domain/devices/serial[{i + 1}]";
            if (serial.Target?.Type is not (null or "isa-serial"))
            {
                throw Refuse(location + "/target/@type", $"serial target '{serial.Target?.Type}' is not supported; use 'isa-serial'");
            }
            var id = DeviceAliases.Indexed("serial", i, serial.Alias);
            Add("-chardev", Chardev(serial, "char" + id, location, null));
            AddDevice(DeviceProps.ForSerial("char" + id, id, serial.Target?.Port ?? (uint)i));
        }
    }

    private void AddChannels()
    {
        for (var i = 0; i < Devices.Channels.Count; i++)
        {
            var channel = Devices.Channels[i];
            var location = $"/domain/devices/channel[{i + 1}]";
            if (channel.Target?.Type != "virtio")
            {
                throw Refuse(location + "/target/@type", $"channel target '{channel.Target?.Type}' is not supported; use 'virtio'");
            }
            var id = DeviceAliases.Indexed("channel", i, channel.Alias);
            Add("-chardev", Chardev(channel, "char" + id, location, channel.Target.Name ?? id));
            var (bus, nr) = VirtioSerialPort(channel.Address);
            AddDevice(DeviceProps.ForVirtioSerialPort(bus, nr, "char" + id, id, channel.Target.Name, console: false));
        }
    }

    private void AddConsoles()
    {
        for (var i = 0; i < Devices.Consoles.Count; i++)
        {
            var console = Devices.Consoles[i];
            var location = $"/domain/devices/console[{i + 1}]";
            if (console.Target?.Type is null or "serial")
            {
                if (i == 0)
                {
                    // libvirt's console compatibility: the first serial console is serial0 itself.
                    continue;
                }
                throw Refuse(location + "/target/@type", "only the first console may be a serial console; use <target type='virtio'/> for more");
            }
            if (console.Target.Type != "virtio")
            {
                throw Refuse(location + "/target/@type", $"console target '{console.Target.Type}' is not supported; use 'serial' or 'virtio'");
            }
            var id = DeviceAliases.Indexed("console", i, console.Alias);
            Add("-chardev", Chardev(console, "char" + id, location, id));
            var (bus, nr) = VirtioSerialPort(console.Address);
            AddDevice(DeviceProps.ForVirtioSerialPort(bus, nr, "char" + id, id, null, console: true));
        }
    }

    private (string Bus, uint Nr) VirtioSerialPort(DeviceAddress? address)
    {
        var controller = address?.Type == AddressType.VirtioSerial ? address.Controller ?? 0 : 0;
        var next = _virtioSerialPorts.TryGetValue(controller, out var used) ? used + 1 : 1;
        var nr = address?.Type == AddressType.VirtioSerial && address.Port is { } port ? port : next;
        _virtioSerialPorts[controller] = Math.Max(nr, _virtioSerialPorts.GetValueOrDefault(controller));
        return ($"virtio-serial{controller}.{address?.Bus ?? 0}", nr);
    }

    /// <summary>The <c>-chardev</c> value for a character device's host side.</summary>
    private string Chardev(CharDevice device, string id, string location, string? defaultSocketName)
    {
        var source = device.Source;
        string value;
        switch (device.Type)
        {
            case CharDeviceType.Pty:
                value = $"pty,id={id}";
                break;
            case CharDeviceType.Null:
                value = $"null,id={id}";
                break;
            case CharDeviceType.File:
                // QEMU truncates the file unless append=on; console logs must survive restarts, so append is the default.
                value = $"file,id={id},path={QemuOpts.Escape(source?.Path ?? throw Refuse(location + "/source/@path", "a file chardev needs <source path='...'/>"))},append={QemuOpts.OnOff(source.Append ?? true)}";
                break;
            case CharDeviceType.Dev:
                value = $"tty,id={id},path={QemuOpts.Escape(source?.Path ?? throw Refuse(location + "/source/@path", "a dev chardev needs <source path='...'/>"))}";
                break;
            case CharDeviceType.Pipe:
                value = $"pipe,id={id},path={QemuOpts.Escape(source?.Path ?? throw Refuse(location + "/source/@path", "a pipe chardev needs <source path='...'/>"))}";
                break;
            case CharDeviceType.Unix:
                var path = source?.Path ?? (defaultSocketName is not null && source?.Mode != CharSourceMode.Connect
                    ? Path.Combine(_host.GuestDirectory, defaultSocketName)
                    : throw Refuse(location + "/source/@path", "a unix chardev needs <source path='...'/>"));
                value = $"socket,id={id},path={QemuOpts.Escape(path)}";
                if (source?.Mode != CharSourceMode.Connect)
                {
                    value += ",server=on,wait=off";
                }
                break;
            case CharDeviceType.Tcp:
                if (source?.Host is null || source.Service is null)
                {
                    throw Refuse(location + "/source", "a tcp chardev needs <source host='...' service='...'/>");
                }
                value = $"socket,id={id},host={QemuOpts.Escape(source.Host)},port={QemuOpts.Escape(source.Service)}";
                if (device.Protocol == CharProtocol.Telnet)
                {
                    value += ",telnet=on";
                }
                else if (device.Protocol is CharProtocol.Telnets or CharProtocol.Tls)
                {
                    throw Refuse(location + "/protocol/@type", "TLS character devices are not supported yet; use protocol 'raw' or 'telnet'");
                }
                if (source.Mode != CharSourceMode.Connect)
                {
                    value += ",server=on,wait=off";
                }
                break;
            case CharDeviceType.Spicevmc:
                if (!Devices.Graphics.Any(g => g.Type == GraphicsType.Spice))
                {
                    throw Refuse(location + "/@type", "a spicevmc channel needs <graphics type='spice'>");
                }
                value = $"spicevmc,id={id},name=vdagent";
                break;
            default:
                throw Refuse(location + "/@type", $"character device type '{device.Type.ToString().ToLowerInvariant()}' is not supported; use pty, file, unix, tcp, null, dev or pipe");
        }
        if (device.LogFile is { } log)
        {
            value += $",logfile={QemuOpts.Escape(log)},logappend={QemuOpts.OnOff(device.LogAppend ?? true)}";
        }
        return value;
    }

    private void AddInputs()
    {
        for (var i = 0; i < Devices.Inputs.Count; i++)
        {
            var input = Devices.Inputs[i];
            var location = $"/domain/devices/input[{i + 1}]";
            if (DeviceProps.InputDriver(input) is not { } driver)
            {
                // PS/2 mouse and keyboard are part of both machines.
                continue;
            }
            RequireDevice(driver, location + "/@bus");
            var usbPort = input.Bus == InputBus.Usb ? NextUsbPort(location) : null;
            AddDevice(DeviceProps.ForInput(input, DeviceAliases.Indexed("input", i, input.Alias), PciOrNull($"input:{i}"), usbPort));
        }
    }

    private void AddGraphics()
    {
        for (var i = 0; i < Devices.Graphics.Count; i++)
        {
            var graphics = Devices.Graphics[i];
            var location = $"/domain/devices/graphics[{i + 1}]";
            if (graphics.Type == GraphicsType.Vnc)
            {
                AddVnc(graphics, i, location);
            }
            else
            {
                AddSpice(graphics, i, location);
            }
        }
    }

    private static string? ListenAddress(Graphics graphics, string location)
    {
        if (graphics.Listens.Count == 0)
        {
            return QemuCommandLine.DefaultDisplayListen;
        }
        var listen = graphics.Listens[0];
        return listen.Type switch
        {
            GraphicsListenType.Address => listen.Address ?? QemuCommandLine.DefaultDisplayListen,
            GraphicsListenType.None or GraphicsListenType.Socket => null,
            _ => throw Refuse(location + "/listen/@type", "listen type 'network' needs the network driver and is not supported yet; use type='address'"),
        };
    }

    private void AddVnc(Graphics graphics, int index, string location)
    {
        var listen = graphics.Listens.Count > 0 ? graphics.Listens[0] : null;
        string value;
        if (listen?.Type == GraphicsListenType.Socket)
        {
            value = "vnc=unix:" + QemuOpts.Escape(listen.Socket ?? Path.Combine(_host.GuestDirectory, "vnc.sock"));
        }
        else if (listen?.Type == GraphicsListenType.None)
        {
            value = "none";
        }
        else
        {
            var address = ListenAddress(graphics, location)!;
            var host = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
            if (graphics.AutoPort || graphics.Port is null or -1)
            {
                value = _host.GraphicsPorts.TryGetValue(index, out var allocated)
                    ? Invariant($"{host}:{VncDisplay(allocated, location)}")
                    : $"{host}:0,to=99";
            }
            else
            {
                value = Invariant($"{host}:{VncDisplay(graphics.Port.Value, location)}");
            }
        }
        if (graphics.Password is not null)
        {
            // The password itself is set over QMP (set_password) after start, never on the command line.
            value += ",password=on";
        }
        Add("-vnc", value);
        if (graphics.Keymap is { } keymap)
        {
            Add("-k", keymap);
        }
    }

    private static int VncDisplay(int port, string location) =>
        port is >= 5900 and <= 65535 ? port - 5900 : throw Refuse(location + "/@port", "VNC ports start at 5900 (display 0)");

    private void AddSpice(Graphics graphics, int index, string location)
    {
        var parts = new List<string>();
        var port = graphics.AutoPort || graphics.Port is null or -1
            ? (_host.GraphicsPorts.TryGetValue(index, out var allocated) ? allocated
                : throw Refuse(location + "/@autoport", "SPICE autoport needs a port allocated by the driver; none was given, so set port='N' (QEMU cannot search for a free SPICE port)"))
            : graphics.Port.Value;
        if (graphics.TlsPort is > 0)
        {
            throw Refuse(location + "/@tlsPort", "SPICE over TLS is not supported yet; remove tlsPort");
        }
        parts.Add(Invariant($"port={port}"));
        if (ListenAddress(graphics, location) is { } address)
        {
            parts.Add("addr=" + QemuOpts.Escape(address));
        }
        if (graphics.Password is null)
        {
            parts.Add("disable-ticketing=on");
        }
        if (graphics.ImageCompression is { } compression)
        {
            parts.Add("image-compression=" + QemuOpts.Escape(compression));
        }
        parts.Add("seamless-migration=on");
        Add("-spice", string.Join(',', parts));
        if (graphics.Keymap is { } keymap)
        {
            Add("-k", keymap);
        }
    }

    private void AddVideos()
    {
        for (var i = 0; i < Devices.Videos.Count; i++)
        {
            var video = Devices.Videos[i];
            var location = $"/domain/devices/video[{i + 1}]";
            if (video.Model == VideoModel.None)
            {
                continue;
            }
            var driver = DeviceProps.VideoDriver(video.Model, i == 0)!;
            if (i > 0 && video.Model is VideoModel.Vga or VideoModel.Cirrus or VideoModel.Vmvga)
            {
                throw Refuse(location + "/model/@type", $"a '{video.Model.ToString().ToLowerInvariant()}' card can only be the primary one; secondary cards may be qxl, virtio or bochs");
            }
            RequireDevice(driver, location + "/model/@type");
            AddDevice(DeviceProps.ForVideo(video, DeviceAliases.Indexed("video", i, video.Alias), i == 0, PciOrNull($"video:{i}")));
        }
    }

    private void AddWatchdogs()
    {
        if (Devices.Watchdogs.Count == 0)
        {
            return;
        }
        var action = Devices.Watchdogs[0].Action;
        for (var i = 0; i < Devices.Watchdogs.Count; i++)
        {
            var watchdog = Devices.Watchdogs[i];
            var location = $"/domain/devices/watchdog[{i + 1}]";
            if (watchdog.Action != action)
            {
                throw Refuse(location + "/@action", "QEMU has one watchdog action for the whole guest; give every watchdog the same action");
            }
            switch (watchdog.Model)
            {
                case WatchdogModel.I6300esb or WatchdogModel.Ib700:
                    var driver = watchdog.Model == WatchdogModel.Ib700 ? "ib700" : "i6300esb";
                    RequireDevice(driver, location + "/@model");
                    AddDevice(DeviceProps.ForWatchdog(watchdog, DeviceAliases.Indexed("watchdog", i, watchdog.Alias), PciOrNull($"watchdog:{i}")));
                    break;
                case WatchdogModel.Itco when _machine == QemuMachineKind.Q35:
                    // The ICH9 TCO watchdog is always there; libvirt only lets it reboot the guest.
                    Add("-global", "ICH9-LPC.noreboot=off");
                    break;
                default:
                    throw Refuse(location + "/@model", $"watchdog model '{watchdog.Model.ToString().ToLowerInvariant()}' is not supported on this machine; use 'i6300esb' or 'ib700'{(_machine == QemuMachineKind.Q35 ? " or 'itco'" : "")}");
            }
        }
        var qemuAction = action switch
        {
            WatchdogAction.Reset => "reset",
            WatchdogAction.Shutdown => "shutdown",
            WatchdogAction.Poweroff => "poweroff",
            WatchdogAction.Pause => "pause",
            WatchdogAction.None => "none",
            WatchdogAction.InjectNmi => "inject-nmi",
            _ => throw Refuse("/domain/devices/watchdog[1]/@action", "watchdog action 'dump' needs the driver's core dump job and is not supported yet"),
        };
        Add("-action", "watchdog=" + qemuAction);
    }

    private void AddHostdevs()
    {
        for (var i = 0; i < Devices.Hostdevs.Count; i++)
        {
            var hostdev = Devices.Hostdevs[i];
            var location = $"/domain/devices/hostdev[{i + 1}]";
            if (hostdev.Source.Type != AddressType.Pci)
            {
                throw Refuse(location + "/source/address/@type", "only PCI host devices (vfio-pci) are supported");
            }
            if (hostdev.DriverName is { } name && name != "vfio")
            {
                throw Refuse(location + "/driver/@name", $"host device driver '{name}' is not supported; use 'vfio'");
            }
            RequireDevice("vfio-pci", location);
            AddDevice(DeviceProps.ForHostdev(hostdev, DeviceAliases.Indexed("hostdev", i, hostdev.Alias), Pci($"hostdev:{i}"), BootIndex($"hostdev:{i}")));
        }
    }

    private void AddBalloon()
    {
        if (Devices.MemBalloon is not { Model: not MemBalloonModel.None } balloon)
        {
            return;
        }
        RequireDevice("virtio-balloon-pci", "/domain/devices/memballoon/@model");
        AddDevice(DeviceProps.ForBalloon(balloon, DeviceAliases.Indexed("balloon", 0, balloon.Alias), Pci("memballoon")));
    }

    private void AddRngs()
    {
        for (var i = 0; i < Devices.Rngs.Count; i++)
        {
            var rng = Devices.Rngs[i];
            var location = $"/domain/devices/rng[{i + 1}]";
            if (rng.Backend == RngBackendModel.Egd)
            {
                throw Refuse(location + "/backend/@model", "the egd RNG backend is not supported yet; use 'random' or 'builtin'");
            }
            RequireDevice("virtio-rng-pci", location + "/@model");
            var id = DeviceAliases.Indexed("rng", i, rng.Alias);
            AddJson("-object", DeviceProps.ForRngBackend(rng, "obj" + id));
            AddDevice(DeviceProps.ForRng(rng, id, "obj" + id, Pci($"rng:{i}")));
        }
    }
}
