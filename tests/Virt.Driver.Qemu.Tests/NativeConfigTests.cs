using Virt.Qemu.CommandLine;
using static Virt.Driver.Qemu.Tests.TestSupport;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// domxml-to-native through the driver, against the real QEMU's capabilities: the command a start would run, with
/// nothing defined, reserved or created. That a start runs exactly this is checked through virtd
/// (VirtdGuestTests.Native.cs).
/// </summary>
public sealed class NativeConfigTests
{
    private static readonly Guid _uuid = Guid.Parse("8a2b3f8e-4c8e-4b1f-9d57-2c0a7f0e4a11");

    private string _state = null!;

    [SetUp]
    public void CreateStateDirectory() => _state = Directory.CreateTempSubdirectory("virt-native-").FullName;

    [TearDown]
    public void DeleteStateDirectory() => Directory.Delete(_state, recursive: true);

    private Task<QemuDomainDriver> OpenAsync() =>
        QemuDomainDriver.OpenAsync(new QemuDriverOptions { StateDirectory = _state, HostCpus = 4 }, new EventLog(), new ListLogger(), CancellationToken.None);

    private static string GuestXml(string devices) =>
        DomainXml("native", _uuid).Replace("</domain>", $"<devices>{devices}</devices></domain>", StringComparison.Ordinal);

    [Test]
    public async Task The_command_is_libvirts_environment_and_the_argv_a_start_runs_with_nothing_reserved()
    {
        var driver = await OpenAsync();
        var xml = GuestXml("""
            <interface type='bridge'><source bridge='nosuchbr0'/><mac address='52:54:00:11:22:33'/><model type='virtio'/></interface>
            <interface type='ethernet'><target dev='tapnative'/><mac address='52:54:00:11:22:34'/></interface>
            <serial type='pty'/>
            <graphics type='vnc' autoport='yes'/>
            """);

        var native = await driver.ConvertXmlToNativeAsync("qemu-argv", xml, CancellationToken.None);
        var again = await driver.ConvertXmlToNativeAsync("qemu-argv", xml, CancellationToken.None);

        var run = Path.Combine(_state, "run", "qemu", _uuid.ToString());
        var home = run + ".d";
        var environment = native.Environment.ToDictionary();
        Assert.That(native.Environment[0], Is.EqualTo(new KeyValuePair<string, string>("LC_ALL", "C")));
        Assert.That((environment["HOME"], environment["XDG_CONFIG_HOME"]), Is.EqualTo((home, home + "/.config")));
        Assert.That(environment["PATH"], Is.EqualTo(Environment.GetEnvironmentVariable("PATH")));
        Assert.That(native.Argv[0], Does.EndWith("qemu-system-x86_64"));
        Assert.That(native.Argv, Does.Contain("guest=native,debug-threads=on"));
        // A bridge's tap is named as a start would name it (the bridge need not exist: nothing runs), an ethernet
        // interface keeps its own; the automatic VNC display shows the first port, as libvirt's does.
        Assert.That(native.Argv.Where(a => a.Contains("\"type\":\"tap\"", StringComparison.Ordinal)),
            Has.Exactly(1).Contains("\"ifname\":\"vnet0\"").And.Exactly(1).Contains("\"ifname\":\"tapnative\""));
        Assert.That(native.Argv, Has.Some.StartsWith("127.0.0.1:0"));
        Assert.That(native.Argv, Has.Some.StartsWith($"socket,id=charserial0,path={run}.console.sock,"), "the console is the worker's");
        Assert.That(native.Argv, Has.Some.StartsWith($"socket,id=charmonitor,path={run}.qmp.sock,"));
        Assert.That(native.Line, Is.EqualTo(QemuCommandLine.FormatForShell(native.Environment, native.Argv)));
        Assert.That(native.Line, Does.StartWith("LC_ALL=C PATH="));
        Assert.That(again.Argv, Is.EqualTo(native.Argv), "nothing was reserved: the same names and ports again");
        Assert.That(await driver.ListDomainsAsync(DomainListFilter.All, CancellationToken.None), Is.Empty);
        Assert.That(Directory.Exists(home), Is.False, "no guest directory");
    }

    [Test]
    public async Task A_format_other_than_qemu_argv_is_refused_before_the_xml_is_read()
    {
        var driver = await OpenAsync();

        var e = Assert.ThrowsAsync<VirtException>(async () => await driver.ConvertXmlToNativeAsync("qemu-args", "<domain", CancellationToken.None));

        Assert.That((e!.Reason, e.Message, e.Metadata["allowed"]),
            Is.EqualTo((VirtErrorReason.InvalidArgument, "unsupported config type qemu-args; the QEMU driver converts to 'qemu-argv' only", "qemu-argv")));
    }

    [Test]
    public async Task Bad_xml_fails_as_define_fails_and_what_qemu_cannot_run_names_the_element()
    {
        var driver = await OpenAsync();
        const string Broken = "<domain type='qemu'><name>x</name>";

        var converted = Assert.ThrowsAsync<VirtException>(async () => await driver.ConvertXmlToNativeAsync("qemu-argv", Broken, CancellationToken.None));
        var defined = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(Broken, CancellationToken.None));
        Assert.That((converted!.Reason, converted.Message), Is.EqualTo((defined!.Reason, defined.Message)));
        Assert.That(converted.Reason, Is.EqualTo(VirtErrorReason.InvalidXml));

        var unsupported = Assert.ThrowsAsync<VirtException>(async () => await driver.ConvertXmlToNativeAsync("qemu-argv",
            GuestXml("<interface type='network'><source network='default'/></interface>"), CancellationToken.None));
        Assert.That((unsupported!.Reason, unsupported.Metadata["element"]), Is.EqualTo((VirtErrorReason.XmlUnsupported, "/domain/devices/interface[1]/@type")));
        Assert.That(unsupported.Message, Does.StartWith("Cannot convert domain 'native': interface type 'network' is not supported"));
    }
}
