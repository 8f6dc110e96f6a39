using System.Globalization;
using System.Text;
using Virt.Domain;
using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine;

namespace Virt.Driver.Qemu;

/// <summary>
/// libvirt's PrepareHost step for one start: the files the definition names must exist (checked before anything is
/// spawned, so the error names the path instead of QEMU's exit), the serial console is put on a socket the worker
/// holds (with QEMU appending it to the console log), and the argv is built.
/// </summary>
internal static class GuestPreparation
{
    public const string ConsoleAlias = "serial0";

    /// <summary>
    /// The longest Unix socket path Linux can bind or connect to: <c>sun_path</c> is 108 bytes, the last one the
    /// terminating NUL. A longer path fails deep inside QEMU or the worker, so it is refused before anything starts.
    /// </summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>
    /// Refuses a start whose run-directory sockets would not fit in <c>sun_path</c>: their length is the run directory's
    /// plus a UUID, so the fix is a shorter <c>--run-dir</c>. Only the sockets that are bound in the file system count:
    /// the worker's control socket, and the sockets QEMU binds in the guest's own directory (<c>UUID.d</c>) for the
    /// devices that have one. QMP and the console are socket pairs between the worker and QEMU (Virt.Vmm's
    /// ChardevPair): their paths in the argv are only where the worker finds them, and are never created.
    /// </summary>
    public static void CheckSocketPaths(string domain, GuestPaths paths, IReadOnlyList<string> argv)
    {
        var longest = GuestDirectorySockets(argv, paths.GuestDirectory).Prepend(paths.ControlSocket).MaxBy(Encoding.UTF8.GetByteCount)!;
        var bytes = Encoding.UTF8.GetByteCount(longest);
        if (bytes <= MaxSocketPathBytes)
        {
            return;
        }
        // The run directory's share of the path: what is left of the limit once the rest (/qemu/UUID.vmm.sock) is taken.
        var runDirectory = Path.GetDirectoryName(paths.Options.GuestRunDirectory) ?? "/";
        var allowed = MaxSocketPathBytes - (bytes - Encoding.UTF8.GetByteCount(runDirectory));
        throw new VirtException(VirtErrorReason.ResourceLimit,
            $"Cannot start domain '{domain}': the socket path '{longest}' is {bytes} bytes, over the limit of {MaxSocketPathBytes} bytes for a Unix socket path (sun_path); use a run directory of at most {allowed} bytes instead of '{runDirectory}' (virtd --run-dir).",
            new Dictionary<string, string>
            {
                ["domain"] = domain,
                ["path"] = longest,
                ["limit"] = MaxSocketPathBytes.ToString(CultureInfo.InvariantCulture),
            });
    }

    /// <summary>
    /// The paths in the argv under the guest's own directory (a device's default socket, a VNC socket): each runs from
    /// the directory to the end of its QEMU option, where a doubled comma is a comma of the path (QemuOpts.Escape).
    /// </summary>
    private static IEnumerable<string> GuestDirectorySockets(IReadOnlyList<string> argv, string guestDirectory)
    {
        var prefix = guestDirectory.Replace(",", ",,", StringComparison.Ordinal) + "/";
        foreach (var argument in argv)
        {
            for (var start = argument.IndexOf(prefix, StringComparison.Ordinal); start >= 0; start = argument.IndexOf(prefix, start + 1, StringComparison.Ordinal))
            {
                var end = start;
                while (end < argument.Length)
                {
                    if (argument[end] != ',')
                    {
                        end++;
                    }
                    else if (end + 1 < argument.Length && argument[end + 1] == ',')
                    {
                        end += 2;
                    }
                    else
                    {
                        break;
                    }
                }
                yield return argument[start..end].Replace(",,", ",", StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Refuses a start whose kernel, initrd, loader, disk image or unmanaged tap is missing, naming it and the element.</summary>
    public static void CheckHostFiles(DomainDefinition definition)
    {
        Require(definition.Name, definition.Os.Kernel, "/domain/os/kernel", "kernel");
        Require(definition.Name, definition.Os.Initrd, "/domain/os/initrd", "initrd");
        for (var i = 0; i < definition.Devices.Disks.Count; i++)
        {
            var disk = definition.Devices.Disks[i];
            if (disk.Type is DiskType.File or DiskType.Block && disk.Source is { } source)
            {
                var path = disk.Type == DiskType.File ? source.File : source.Dev;
                Require(definition.Name, path, $"/domain/devices/disk[{i + 1}]/source", $"{disk.Device.ToString().ToLowerInvariant()} image for {disk.Target.Dev}");
            }
        }
        for (var i = 0; i < definition.Devices.Interfaces.Count; i++)
        {
            // An unmanaged tap is the host's to create; QEMU would otherwise make a new one of that name (as root) or fail.
            if (definition.Devices.Interfaces[i].UnmanagedTap is { } tap && !File.Exists($"/sys/class/net/{tap}/tun_flags"))
            {
                var element = $"/domain/devices/interface[{i + 1}]/target";
                throw new VirtException(VirtErrorReason.InvalidArgument,
                    $"Cannot start domain '{definition.Name}': the tap device '{tap}' does not exist ({element}, managed='no'); create it first (ip tuntap add dev {tap} mode tap).",
                    new Dictionary<string, string> { ["domain"] = definition.Name, ["device"] = tap, ["element"] = element });
            }
        }
    }

    /// <summary>
    /// The definition QEMU is started with: the first serial port (the console) becomes a Unix socket chardev at a
    /// path in the run directory, logged by QEMU with append semantics, so the log survives restarts. The worker turns
    /// that chardev into a socket pair it holds the other end of (nothing is bound at the path), so nobody but the
    /// worker holds the guest's console.
    /// </summary>
    public static DomainDefinition WithWorkerConsole(DomainDefinition definition, GuestPaths paths)
    {
        if (definition.Devices.Serials.Count == 0)
        {
            return definition;
        }
        var serial = definition.Devices.Serials[0] with
        {
            Type = CharDeviceType.Unix,
            Source = new CharSource { Mode = CharSourceMode.Bind, Path = paths.ConsoleSocket },
            Protocol = null,
            LogFile = paths.ConsoleLog,
            LogAppend = true,
        };
        var serials = new ValueList<CharDevice>(definition.Devices.Serials.Skip(1).Prepend(serial));
        return definition with { Devices = definition.Devices with { Serials = serials } };
    }

    /// <summary>The argv, or a typed error naming what QEMU cannot do (the message says it was for <paramref name="operation"/>).</summary>
    public static IReadOnlyList<string> BuildArgv(DomainDefinition definition, QemuCapabilities capabilities, QemuHostContext host, string operation)
    {
        try
        {
            return QemuCommandLine.Build(definition, capabilities, host);
        }
        catch (QemuCommandLineException e)
        {
            throw new VirtException(VirtErrorReason.XmlUnsupported, $"Cannot {operation} domain '{definition.Name}': {e.Message}",
                new Dictionary<string, string> { ["domain"] = definition.Name, ["element"] = e.Location }, e);
        }
    }

    private static void Require(string domain, string? path, string element, string what)
    {
        if (path is null || File.Exists(path))
        {
            return;
        }
        throw new VirtException(VirtErrorReason.InvalidArgument,
            $"Cannot start domain '{domain}': the {what} '{path}' does not exist ({element}); create it or change the path.",
            new Dictionary<string, string> { ["domain"] = domain, ["path"] = path, ["element"] = element });
    }
}
