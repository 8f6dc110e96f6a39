using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>domxml-to-native through virtd and vsh: the printed command is what a start runs, and it runs.</summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Domxml_to_native_prints_what_a_start_runs_with_libvirts_environment_and_the_line_boots_the_guest_from_a_shell(CancellationToken ct)
    {
        // A variable of virtd's own that QEMU must not see: QEMU gets libvirt's environment, not the daemon's.
        await using var virtd = await VirtdProcess.StartWithEnvironmentAsync(new Dictionary<string, string> { ["VIRT_TEST_DAEMON_ONLY"] = "1" });
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "nat");
        await VshRun.OkAsync(virtd, "define", file);
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "nat")).Trim();
        var line = await VshRun.OkAsync(virtd, "domxml-to-native", "qemu-argv", "--domain", "nat");
        Assert.That(line, Does.StartWith("LC_ALL=C PATH=").And.EndWith("\n"));
        Assert.That((await VshRun.OkAsync(virtd, "domxml-to-native", "qemu-argv", file)).Split(' ')[0], Is.EqualTo("LC_ALL=C"), "from a file too");

        // What the shell makes of the line: the environment and argv QEMU gets from a start, but for the two chardevs
        // the worker turns into socket pairs it holds (src/Virt.Vmm/README.md).
        var (environment, argv) = await ShellWordsAsync(line, ct);
        await VshRun.OkAsync(virtd, "start", "nat");
        var state = Path.Combine(virtd.StateDir, "run", "qemu", uuid + ".state");
        var pid = int.Parse(File.ReadAllLines(state).Single(l => l.StartsWith("qemu_pid=", StringComparison.Ordinal))[9..], CultureInfo.InvariantCulture);
        var started = (await File.ReadAllTextAsync($"/proc/{pid}/environ", ct)).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var startedArgv = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline", ct)).Split('\0')[..^1];
        Assert.That(started, Is.EqualTo(environment), "QEMU's whole environment, in order");
        Assert.That(started, Has.None.StartsWith("VIRT_TEST_DAEMON_ONLY="));
        Assert.That(WithoutChardevs(startedArgv), Is.EqualTo(WithoutChardevs(argv)));
        await VshRun.OkAsync(virtd, "destroy", "nat");

        // The line as an operator would run it: QEMU starts paused (-S) with its monitor where the line says; cont
        // boots the guest, whose heartbeat reaches the console log the line names.
        var log = VshRun.ConsoleLog(virtd, uuid);
        File.Delete(log);
        var monitor = argv.Single(a => a.StartsWith("socket,id=charmonitor,path=", StringComparison.Ordinal)).Split(',')[2]["path=".Length..];
        using var qemu = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", line.TrimEnd('\n')]))!;
        try
        {
            await using var qmp = await ConnectWhenListeningAsync(monitor, ct);
            using var reader = new StreamReader(qmp, Encoding.UTF8);
            Assert.That(await reader.ReadLineAsync(ct), Does.Contain("\"QMP\""), "QMP greeting");
            await qmp.WriteAsync("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"cont\"}\n"u8.ToArray(), ct);
            await VshRun.WaitForBeatAsync(log, 0, _boot);
        }
        finally
        {
            qemu.Kill(entireProcessTree: true);
            await qemu.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>The words a POSIX shell makes of the line: leading NAME=value assignments, then argv.</summary>
    private static async Task<(string[] Environment, string[] Argv)> ShellWordsAsync(string line, CancellationToken ct)
    {
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "for w in " + line.TrimEnd('\n') + "; do printf '%s\\0' \"$w\"; done"])
        {
            RedirectStandardOutput = true,
        })!;
        var words = (await shell.StandardOutput.ReadToEndAsync(ct)).Split('\0')[..^1];
        await shell.WaitForExitAsync(ct);
        var assignments = words.TakeWhile(w => w.Contains('=', StringComparison.Ordinal) && !w.StartsWith('/')).ToArray();
        return (assignments, words[assignments.Length..]);
    }

    /// <summary>argv without the monitor's and the console's chardev values (path= in the line, fd= in a start).</summary>
    private static IEnumerable<string> WithoutChardevs(IEnumerable<string> argv) =>
        argv.Where(a => !a.StartsWith("socket,id=char", StringComparison.Ordinal));

    private static async Task<NetworkStream> ConnectWhenListeningAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(50, ct);
            }
        }
    }
}
