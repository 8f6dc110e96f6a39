using Virt.Qemu.CommandLine;

namespace Virt.Qemu.Tests.CommandLine;

public sealed class FormatForShellTests
{
    [Test]
    public void Plain_arguments_stay_bare_and_json_is_single_quoted_on_one_line()
    {
        var line = QemuCommandLine.FormatForShell([
            "/usr/bin/qemu-system-x86_64", "-name", "guest=g,debug-threads=on", "-S",
            "-device", "{\"driver\":\"virtio-blk-pci\",\"id\":\"virtio-disk0\"}"]);

        Assert.That(line, Is.EqualTo("/usr/bin/qemu-system-x86_64 -name guest=g,debug-threads=on -S -device '{\"driver\":\"virtio-blk-pci\",\"id\":\"virtio-disk0\"}'"));
    }

    [Test]
    public void The_environment_comes_first_as_assignments_as_virsh_prints_it()
    {
        var line = QemuCommandLine.FormatForShell([new("LC_ALL", "C"), new("HOME", "/run/my guest")], ["/usr/bin/qemu-system-x86_64", "-S"]);

        Assert.That(line, Is.EqualTo("LC_ALL=C HOME='/run/my guest' /usr/bin/qemu-system-x86_64 -S"));
    }

    [Test]
    public void Qemu_gets_libvirts_environment_in_libvirts_order_and_nothing_else_of_the_daemons()
    {
        var daemon = new Dictionary<string, string> { ["PATH"] = "/opt/bin:/usr/bin", ["USER"] = "root", ["LD_PRELOAD"] = "libx.so", ["LANG"] = "de_DE.UTF-8", ["HOME"] = "/root" };

        var environment = QemuEnvironment.Build("/run/virt/qemu/g.d", daemon.GetValueOrDefault);

        Assert.That(environment.Select(v => $"{v.Key}={v.Value}"), Is.EqualTo(new[]
        {
            "LC_ALL=C", "LD_PRELOAD=libx.so", "PATH=/opt/bin:/usr/bin", "HOME=/run/virt/qemu/g.d", "USER=root",
            "XDG_DATA_HOME=/run/virt/qemu/g.d/.local/share", "XDG_CACHE_HOME=/run/virt/qemu/g.d/.cache", "XDG_CONFIG_HOME=/run/virt/qemu/g.d/.config",
        }));
        Assert.That(QemuEnvironment.Build("/g", _ => null).Single(v => v.Key == "PATH").Value, Is.EqualTo(QemuEnvironment.DefaultPath));
    }

    [TestCase("console=ttyS0 quiet", "'console=ttyS0 quiet'")]
    [TestCase("it's", "'it'\\''s'")]
    [TestCase("", "''")]
    [TestCase("$HOME", "'$HOME'")]
    [TestCase("a;b", "'a;b'")]
    [TestCase("size=262144k", "size=262144k")]
    public void Arguments_are_quoted_only_when_a_shell_would_read_them_otherwise(string argument, string expected)
    {
        Assert.That(QemuCommandLine.QuoteForShell(argument), Is.EqualTo(expected));
    }

    [Test]
    public void Formatted_argv_round_trips_through_a_real_shell()
    {
        var argv = new[] { "printf", "%s\\n", "a b", "it's", "{\"x\":1}", "$HOME" };
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(QemuCommandLine.FormatForShell(argv));
        using var shell = System.Diagnostics.Process.Start(start)!;
        var output = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit();

        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(argv[2..]));
    }
}
