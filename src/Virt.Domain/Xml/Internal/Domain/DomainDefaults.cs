namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>
/// The driver-independent defaults libvirt fills in after parsing (domain_postparse.c and friends), so that
/// our output matches <c>virsh dumpxml</c>. Applying it twice changes nothing, which keeps
/// parse → format → parse the identity.
/// </summary>
internal static class DomainDefaults
{
    public static DomainDefinition Apply(DomainDefinition definition)
    {
        var devices = definition.Devices;
        // Indexes assigned after insertion can break the per-type order, so insert once more to keep output a fixed point.
        var controllers = InsertControllers(AssignControllerIndexes(InsertControllers(devices.Controllers)));
        var disks = InsertDisks(devices.Disks).Select(AssignDriveAddress).ToList();
        CheckDriveControllers(disks);
        controllers = AddImplicitControllers(controllers, disks, devices);
        var (serials, consoles) = ConsoleCompat(definition.Os.Type, AssignPorts(devices.Serials), devices.Consoles);
        return definition with
        {
            Vcpu = definition.Vcpu.Current == definition.Vcpu.Count ? definition.Vcpu with { Current = null } : definition.Vcpu,
            Os = DefaultBoot(definition),
            Cpu = definition.Cpu is { Model: { Fallback: null } model } cpu && cpu.Mode is null or CpuMode.Custom
                ? cpu with { Model = model with { Fallback = CpuModelFallback.Allow } }
                : definition.Cpu,
            Devices = devices with
            {
                Disks = disks.ToValueList(),
                Controllers = controllers.ToValueList(),
                Filesystems = devices.Filesystems.Select(f => f.AccessMode is null ? f with { AccessMode = FilesystemAccessMode.Passthrough } : f).ToValueList(),
                Serials = serials.ToValueList(),
                Parallels = AssignPorts(devices.Parallels).ToValueList(),
                Consoles = consoles.ToValueList(),
                Videos = Videos(devices.Videos).ToValueList(),
                Rngs = devices.Rngs.Select(r => r.Backend == RngBackendModel.Random && r.BackendPath is null ? r with { BackendPath = "/dev/random" } : r).ToValueList(),
            },
        };
    }

    /// <summary>An HVM guest with no boot order at all boots from the first hard disk, as in libvirt.</summary>
    private static OsSettings DefaultBoot(DomainDefinition definition)
    {
        var devices = definition.Devices;
        var perDevice = devices.Disks.Any(d => d.BootOrder is not null)
            || devices.Interfaces.Any(n => n.BootOrder is not null)
            || devices.Hostdevs.Any(h => h.BootOrder is not null);
        return definition.Os.Type == OsType.Hvm && definition.Os.BootDevices.Count == 0 && !perDevice
            ? definition.Os with { BootDevices = new ValueList<BootDevice>([BootDevice.Hd]) }
            : definition.Os;
    }

    /// <summary>libvirt's virDomainDiskInsert: disks of one bus are kept together, ordered by target index.</summary>
    private static List<Disk> InsertDisks(IReadOnlyList<Disk> disks)
    {
        var result = new List<Disk>();
        foreach (var disk in disks)
        {
            DiskNames.TryIndex(disk.Target.Dev, out var index);
            var insertAt = -1;
            for (var i = result.Count - 1; i >= 0; i--)
            {
                if (result[i].Target.Bus != disk.Target.Bus)
                {
                    continue;
                }
                DiskNames.TryIndex(result[i].Target.Dev, out var other);
                if (other > index)
                {
                    insertAt = i;
                }
                else if (insertAt == -1)
                {
                    insertAt = i + 1;
                }
            }
            result.Insert(insertAt < 0 ? result.Count : insertAt, disk);
        }
        return result;
    }

    /// <summary>libvirt's virDomainControllerInsertPreAlloced, applied as each controller is parsed.</summary>
    private static List<Controller> InsertControllers(IReadOnlyList<Controller> controllers)
    {
        var result = new List<Controller>();
        foreach (var controller in controllers)
        {
            var insertAt = -1;
            for (var i = result.Count - 1; i >= 0; i--)
            {
                var current = result[i];
                if (current.Type != controller.Type)
                {
                    continue;
                }
                if (controller.Index == DomainParser.UnassignedIndex)
                {
                    insertAt = i + 1;
                    break;
                }
                if (current.Index != DomainParser.UnassignedIndex && current.Index > controller.Index)
                {
                    insertAt = i;
                }
                else if (controller.MasterStartPort is null && current.MasterStartPort is not null && current.Index == controller.Index)
                {
                    insertAt = i;
                }
                else if (insertAt == -1)
                {
                    insertAt = i + 1;
                }
            }
            result.Insert(insertAt < 0 ? result.Count : insertAt, controller);
        }
        return result;
    }

    private static List<Controller> AssignControllerIndexes(IReadOnlyList<Controller> controllers)
    {
        var result = controllers.ToList();
        for (var i = 0; i < result.Count; i++)
        {
            var controller = result[i];
            if (controller.Index != DomainParser.UnassignedIndex)
            {
                continue;
            }
            uint index;
            if (controller.Type == ControllerType.Usb && controller.MasterStartPort is not null)
            {
                // USB companion controllers share their EHCI master's index.
                index = result.Take(i).LastOrDefault(c => c.Type == ControllerType.Usb && c.MasterStartPort is null)?.Index ?? 0;
            }
            else
            {
                index = 0;
                while (result.Any(c => c.Type == controller.Type && c.Index == index && c.MasterStartPort is null))
                {
                    index++;
                }
            }
            result[i] = controller with { Index = index };
        }
        return result;
    }

    private static Disk AssignDriveAddress(Disk disk)
    {
        if (disk.Address is not null || !DiskNames.TryIndex(disk.Target.Dev, out var index))
        {
            return disk;
        }
        var (perController, perBus) = disk.Target.Bus switch
        {
            DiskBus.Ide => (4, 2),
            DiskBus.Fdc => (2, 2),
            DiskBus.Sata => (6, 6),
            DiskBus.Scsi => (7, 7),
            _ => (0, 0),
        };
        if (perController == 0)
        {
            return disk;
        }
        var address = new DeviceAddress
        {
            Type = AddressType.Drive,
            Controller = (uint)(index / perController),
            Bus = (uint)(index % perController / perBus),
            Target = 0,
            Unit = (uint)(index % perBus),
        };
        return disk with { Address = address };
    }

    /// <summary>A target name far down the alphabet implies a controller index no machine has; refuse it here.</summary>
    private static void CheckDriveControllers(List<Disk> disks)
    {
        for (var i = 0; i < disks.Count; i++)
        {
            if (disks[i].Address is { Type: AddressType.Drive, Controller: > MaxControllerIndex } address)
            {
                var path = disks.Count > 1 ? $"/domain/devices/disk[{i + 1}]/target/@dev" : "/domain/devices/disk/target/@dev";
                throw new DefinitionException(
                    DefinitionErrorReason.InvalidValue,
                    path,
                    $"The disk target '{disks[i].Target.Dev}' would need {DomainXmlNames.DiskBus.ToXml(disks[i].Target.Bus)} controller {address.Controller}",
                    disks[i].Target.Dev,
                    $"a target whose controller index is at most {MaxControllerIndex}");
            }
        }
    }

    private const uint MaxControllerIndex = 255;

    private static List<Controller> AddImplicitControllers(List<Controller> controllers, List<Disk> disks, DomainDevices devices)
    {
        var result = controllers.ToList();
        // Same order as libvirt's virDomainDefAddDiskControllers: scsi, fdc, ide, sata.
        foreach (var (type, bus) in new[] { (ControllerType.Scsi, DiskBus.Scsi), (ControllerType.Fdc, DiskBus.Fdc), (ControllerType.Ide, DiskBus.Ide), (ControllerType.Sata, DiskBus.Sata) })
        {
            var max = disks.Where(d => d.Target.Bus == bus && d.Address?.Type == AddressType.Drive).Select(d => (int)d.Address!.Controller!.Value).DefaultIfEmpty(-1).Max();
            for (var i = 0; i <= max; i++)
            {
                MaybeAdd(result, type, (uint)i);
            }
        }
        var virtioSerial = devices.Channels.Where(c => c.Target?.Type == "virtio")
            .Concat(devices.Consoles.Where(c => c.Target?.Type == "virtio"))
            .Select(c => c.Address?.Type == AddressType.VirtioSerial ? c.Address.Controller ?? 0 : 0u);
        foreach (var index in virtioSerial)
        {
            MaybeAdd(result, ControllerType.VirtioSerial, index);
        }
        return result;
    }

    // libvirt's virDomainControllerInsertPreAlloced: keep controllers of one type together and sorted by index.
    private static void MaybeAdd(List<Controller> controllers, ControllerType type, uint index)
    {
        if (controllers.Any(c => c.Type == type && c.Index == index))
        {
            return;
        }
        var insertAt = -1;
        for (var i = controllers.Count - 1; i >= 0; i--)
        {
            if (controllers[i].Type != type)
            {
                continue;
            }
            if (controllers[i].Index > index)
            {
                insertAt = i;
            }
            else if (insertAt == -1)
            {
                insertAt = i + 1;
            }
        }
        var controller = new Controller { Type = type, Index = index };
        if (insertAt < 0)
        {
            controllers.Add(controller);
        }
        else
        {
            controllers.Insert(insertAt, controller);
        }
    }

    private static List<CharDevice> AssignPorts(IReadOnlyList<CharDevice> devices)
    {
        var result = devices.ToList();
        for (var i = 0; i < result.Count; i++)
        {
            if (result[i].Target?.Port is not null)
            {
                continue;
            }
            var next = result.Select(d => d.Target?.Port).Where(p => p is not null).Select(p => (int)p!.Value).DefaultIfEmpty(-1).Max() + 1;
            result[i] = result[i] with { Target = (result[i].Target ?? new CharTarget()) with { Port = (uint)next } };
        }
        return result;
    }

    /// <summary>
    /// libvirt's virDomainDefAddConsoleCompat: on HVM guests the first console, when it targets a serial port,
    /// is an alias of the first serial port; a console without a serial port creates one.
    /// </summary>
    private static (List<CharDevice> Serials, List<CharDevice> Consoles) ConsoleCompat(OsType osType, List<CharDevice> serials, IReadOnlyList<CharDevice> consoleList)
    {
        var consoles = consoleList.ToList();
        if (consoles.Count == 0 || osType != OsType.Hvm || consoles[0].Target?.Type is not (null or "serial"))
        {
            return (serials, consoles);
        }
        if (serials.Count == 0)
        {
            serials.Add(consoles[0] with { Target = new CharTarget { Port = 0 }, Alias = null, Address = null });
        }
        var serial = serials[0];
        consoles[0] = serial with { Target = new CharTarget { Type = "serial", Port = serial.Target?.Port ?? 0 }, Address = null };
        return (serials, consoles);
    }

    private static List<Video> Videos(IReadOnlyList<Video> videos)
    {
        var result = videos.ToList();
        var primary = result.FindIndex(v => v.Primary == true);
        if (primary > 0)
        {
            // libvirt moves the primary card to the front.
            var card = result[primary];
            result.RemoveAt(primary);
            result.Insert(0, card);
        }
        for (var i = 0; i < result.Count; i++)
        {
            var video = result[i];
            if (video.Model == VideoModel.None)
            {
                continue;
            }
            var defaultVram = video.Model switch
            {
                VideoModel.Vga or VideoModel.Cirrus or VideoModel.Vmvga or VideoModel.Bochs => 16384u,
                VideoModel.Qxl => 65536u,
                _ => (uint?)null,
            };
            result[i] = video with
            {
                Ram = video.Ram ?? (video.Model == VideoModel.Qxl ? 65536u : null),
                Vram = video.Vram ?? defaultVram,
                Heads = video.Heads ?? 1,
                Primary = i == 0 ? true : null,
            };
        }
        return result;
    }
}
