using Virt.Domain;

namespace Virt.Driver.Qemu;

/// <summary>
/// Whether a replacement XML for a save image describes the same machine (libvirt's
/// virDomainDefCheckABIStability, coarser): QEMU loads the saved state into the devices the new XML creates, so
/// anything the guest can see must stay. What may change is what QEMU reaches on the host side: where disks and
/// interfaces get their data (libvirt lets source paths change: a disk's type, source, backing store and driver; an
/// interface's type, source, target device and link state), device aliases, graphics settings other than the type,
/// and what the guest cannot see (title, description, metadata, lifecycle actions). <see cref="Allowed"/> says exactly
/// that in the refusal, so the message and the comparison cannot drift apart.
/// </summary>
internal static class SaveImageAbi
{
    /// <summary>
    /// Throws InvalidArgument naming the first part of <paramref name="replacement"/> that differs; the message starts
    /// with <paramref name="refusal"/> (save-image-define's "Cannot update 'PATH'" when none is given).
    /// </summary>
    public static void Check(string path, DomainDefinition saved, DomainDefinition replacement, string? refusal = null)
    {
        var a = Guest(saved);
        var b = Guest(replacement);
        var parts = new (string Element, string What, Func<DomainDefinition, object?> Of)[]
        {
            ("/domain/name", "name", d => d.Name),
            ("/domain/uuid", "UUID", d => d.Uuid),
            ("/domain/@type", "domain type", d => d.Type),
            ("/domain/memory", "memory", d => (d.MemoryKiB, d.MaxMemory)),
            ("/domain/vcpu", "vCPUs", d => d.Vcpu),
            ("/domain/os", "OS and machine type", d => d.Os),
            ("/domain/features", "features", d => d.Features),
            ("/domain/cpu", "CPU", d => d.Cpu),
            ("/domain/clock", "clock", d => d.Clock),
            ("/domain/devices/emulator", "emulator", d => d.Devices.Emulator),
            ("/domain/devices/disk", "disks", d => d.Devices.Disks),
            ("/domain/devices/controller", "controllers", d => d.Devices.Controllers),
            ("/domain/devices/filesystem", "filesystems", d => d.Devices.Filesystems),
            ("/domain/devices/interface", "interfaces", d => d.Devices.Interfaces),
            ("/domain/devices/serial", "serial ports", d => d.Devices.Serials),
            ("/domain/devices/parallel", "parallel ports", d => d.Devices.Parallels),
            ("/domain/devices/console", "consoles", d => d.Devices.Consoles),
            ("/domain/devices/channel", "channels", d => d.Devices.Channels),
            ("/domain/devices/input", "input devices", d => d.Devices.Inputs),
            ("/domain/devices/graphics", "graphics devices", d => string.Join(",", d.Devices.Graphics.Select(g => g.Type))),
            ("/domain/devices/sound", "sound devices", d => d.Devices.Sounds),
            ("/domain/devices/video", "video devices", d => d.Devices.Videos),
            ("/domain/devices/hostdev", "host devices", d => d.Devices.Hostdevs),
            ("/domain/devices/redirdev", "redirected devices", d => d.Devices.RedirDevices),
            ("/domain/devices/watchdog", "watchdogs", d => d.Devices.Watchdogs),
            ("/domain/devices/memballoon", "memory balloon", d => d.Devices.MemBalloon),
            ("/domain/devices/rng", "RNG devices", d => d.Devices.Rngs),
            ("/domain/devices/panic", "panic devices", d => d.Devices.Panics),
        };
        foreach (var (element, what, of) in parts)
        {
            if (!Equals(of(a), of(b)))
            {
                throw new VirtException(VirtErrorReason.InvalidArgument,
                    $"{refusal ?? $"Cannot update '{path}'"}: the new XML changes the guest's {what} ({element}), which the saved state depends on; {Allowed}",
                    new Dictionary<string, string> { ["path"] = path, ["element"] = element });
            }
        }
    }

    /// <summary>What <see cref="Guest"/> clears, in the refusal's words.</summary>
    public const string Allowed = "only the host side may change: disk sources (type, source, backing store, driver), interface sources "
        + "(type, source, target device, link state), device aliases, graphics settings other than the type, title, description, "
        + "metadata and lifecycle actions.";

    /// <summary>The definition with the host-side and guest-invisible parts cleared.</summary>
    private static DomainDefinition Guest(DomainDefinition d) => d with
    {
        Id = null,
        Title = null,
        Description = null,
        Metadata = ValueList<MetadataElement>.Empty,
        OnPoweroff = LifecycleAction.Destroy,
        OnReboot = LifecycleAction.Restart,
        OnCrash = LifecycleAction.Destroy,
        Devices = d.Devices with
        {
            Disks = new ValueList<Disk>(d.Devices.Disks.Select(disk => disk with { Type = DiskType.File, Source = null, BackingStore = null, Driver = null, Alias = null })),
            Interfaces = new ValueList<NetworkInterface>(d.Devices.Interfaces.Select(nic => nic with
            {
                Type = InterfaceType.Network, Source = null, TargetDev = null, LinkUp = null, Alias = null,
            })),
        },
    };
}
