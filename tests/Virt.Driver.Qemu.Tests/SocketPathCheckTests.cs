namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// The sun_path check before a start counts the sockets that are bound in the file system (the worker's control
/// socket, QEMU's sockets in the guest's directory), not the QMP and console paths, which the worker turns into
/// socket pairs.
/// </summary>
public sealed class SocketPathCheckTests
{
    private static readonly Guid _uuid = Guid.Parse("c7a5fdbd-cdaf-9455-926a-d65c16db1809");

    /// <summary>Options whose RUN/qemu/UUID.vmm.sock is exactly <paramref name="controlSocketBytes"/> bytes long.</summary>
    private static GuestPaths PathsWithControlSocketOf(int controlSocketBytes)
    {
        // RUN + "/qemu/" + 36 + ".vmm.sock"
        var run = "/" + new string('r', controlSocketBytes - "/qemu/".Length - 36 - ".vmm.sock".Length - 1);
        var paths = new GuestPaths(_uuid, new QemuDriverOptions { StateDirectory = "/state", RunDirectory = run });
        Assert.That(paths.ControlSocket, Has.Length.EqualTo(controlSocketBytes));
        return paths;
    }

    [Test]
    public void A_run_directory_that_fits_the_control_socket_passes_although_the_console_path_would_not_fit()
    {
        var paths = PathsWithControlSocketOf(GuestPreparation.MaxSocketPathBytes);
        Assert.That(paths.ConsoleSocket.Length, Is.GreaterThan(GuestPreparation.MaxSocketPathBytes));
        string[] argv = ["qemu-system-x86_64", "-chardev", $"socket,id=charmonitor,path={paths.QmpSocket},server=on,wait=off",
            "-chardev", $"socket,id=charserial0,path={paths.ConsoleSocket},server=on,wait=off,logfile=/log/c.log,logappend=on"];

        Assert.DoesNotThrow(() => GuestPreparation.CheckSocketPaths("g", paths, argv));
    }

    [Test]
    public void A_control_socket_one_byte_over_is_refused_naming_it_and_the_longest_run_directory_that_fits()
    {
        var paths = PathsWithControlSocketOf(GuestPreparation.MaxSocketPathBytes + 1);
        var run = Path.GetDirectoryName(paths.Options.GuestRunDirectory)!;

        var error = Assert.Throws<VirtException>(() => GuestPreparation.CheckSocketPaths("g", paths, ["qemu-system-x86_64"]))!;
        Assert.That(error.Reason, Is.EqualTo(VirtErrorReason.ResourceLimit));
        Assert.That(error.Message, Is.EqualTo($"Cannot start domain 'g': the socket path '{paths.ControlSocket}' is 108 bytes, over the limit of 107 bytes for a Unix socket path (sun_path); use a run directory of at most {run.Length - 1} bytes instead of '{run}' (virtd --run-dir)."));
    }

    [Test]
    public void A_socket_qemu_binds_in_the_guest_directory_counts_with_its_escaped_commas_read_back()
    {
        // The control socket fits, but a device's socket in UUID.d (a longer name in a longer directory) does not.
        var paths = PathsWithControlSocketOf(GuestPreparation.MaxSocketPathBytes - 5);
        var socket = paths.GuestDirectory + "/channel,0.sock";
        string[] argv = ["qemu-system-x86_64", "-chardev", $"socket,id=charchannel0,path={socket.Replace(",", ",,", StringComparison.Ordinal)},server=on,wait=off"];
        Assert.That(socket.Length, Is.GreaterThan(GuestPreparation.MaxSocketPathBytes));

        var error = Assert.Throws<VirtException>(() => GuestPreparation.CheckSocketPaths("g", paths, argv))!;
        Assert.That(error.Message, Does.StartWith($"Cannot start domain 'g': the socket path '{socket}' is {socket.Length} bytes"));
        Assert.That(error.Metadata["path"], Is.EqualTo(socket));

        // A VNC socket at the end of its option is found the same way.
        var vnc = paths.GuestDirectory + "/vnc-display.sock";
        Assert.That(Assert.Throws<VirtException>(() => GuestPreparation.CheckSocketPaths("g", paths, ["-display", "vnc=unix:" + vnc]))!.Metadata["path"], Is.EqualTo(vnc));
    }
}
