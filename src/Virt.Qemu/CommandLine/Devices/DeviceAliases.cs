using System.Globalization;
using Virt.Domain;

namespace Virt.Qemu.CommandLine.Devices;

/// <summary>
/// libvirt's qdev ids (qemu_alias.c), so that QMP output, logs and tools written for libvirt guests see the same
/// names. A user alias (<c>ua-</c> prefix, as libvirt allows) wins.
/// </summary>
public static class DeviceAliases
{
    /// <summary>The qdev id of a disk: <c>virtio-disk0</c>, <c>ide0-1-0</c>, <c>sata0-0-2</c>, <c>scsi0-0-0-1</c>, <c>fdc0-0-0</c>, <c>usb-disk1</c>.</summary>
    public static string ForDisk(Disk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        if (UserAlias(disk.Alias) is { } alias)
        {
            return alias;
        }
        var address = disk.Address;
        return disk.Target.Bus switch
        {
            DiskBus.Virtio => Invariant($"virtio-disk{disk.Target.Index ?? 0}"),
            DiskBus.Usb => Invariant($"usb-disk{disk.Target.Index ?? 0}"),
            DiskBus.Ide => Invariant($"ide{address?.Controller ?? 0}-{address?.Bus ?? 0}-{address?.Unit ?? 0}"),
            DiskBus.Sata => Invariant($"sata{address?.Controller ?? 0}-{address?.Bus ?? 0}-{address?.Unit ?? 0}"),
            DiskBus.Fdc => Invariant($"fdc{address?.Controller ?? 0}-{address?.Bus ?? 0}-{address?.Unit ?? 0}"),
            DiskBus.Scsi => Invariant($"scsi{address?.Controller ?? 0}-{address?.Bus ?? 0}-{address?.Target ?? 0}-{address?.Unit ?? 0}"),
            _ => Invariant($"{disk.Target.Bus.ToString().ToLowerInvariant()}-disk{disk.Target.Index ?? 0}"),
        };
    }

    /// <summary>The qdev id of a controller: <c>usb</c>, <c>scsi0</c>, <c>sata1</c>, <c>virtio-serial0</c>, <c>pci.3</c>.</summary>
    public static string ForController(Controller controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        if (UserAlias(controller.Alias) is { } alias)
        {
            return alias;
        }
        return controller.Type switch
        {
            ControllerType.Pci => Invariant($"pci.{controller.Index}"),
            ControllerType.Usb when controller.Index == 0 => "usb",
            ControllerType.Usb => Invariant($"usb{controller.Index}"),
            ControllerType.Ide => Invariant($"ide{controller.Index}"),
            ControllerType.VirtioSerial => Invariant($"virtio-serial{controller.Index}"),
            _ => Invariant($"{controller.Type.ToString().ToLowerInvariant()}{controller.Index}"),
        };
    }

    /// <summary>An indexed alias (<c>net0</c>, <c>video1</c>, …) unless the device carries a user alias.</summary>
    public static string Indexed(string prefix, int index, string? userAlias = null) =>
        UserAlias(userAlias) ?? Invariant($"{prefix}{index}");

    private static string? UserAlias(string? alias) =>
        alias is not null && alias.StartsWith("ua-", StringComparison.Ordinal) ? alias : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
