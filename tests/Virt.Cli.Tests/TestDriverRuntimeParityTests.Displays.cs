using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// vncdisplay and domdisplay through <c>vsh -c test:///default</c> against <c>virsh -c test:///default</c>: the
/// addresses and URIs virsh builds from a running domain's displays, and dumpxml leaving the display passwords out
/// unless --security-info asks for them.
/// </summary>
public sealed partial class TestDriverRuntimeParityTests
{
    // VNC on an address with a password and SPICE without a listen address; VNC on any address with an automatic port
    // (the test driver allocates none: port -1); VNC on an IPv6 address; VNC on a socket and SPICE with a TLS port and a
    // password on any address; SPICE alone.
    private const string Displays = """
        <domain type='test'><name>d1</name><uuid>00000000-0000-4000-8000-000000000001</uuid><memory>1024</memory><os><type>hvm</type></os>
          <devices><graphics type='vnc' port='5901' listen='127.0.0.1' passwd='pw'/><graphics type='spice' port='5903' autoport='no'/></devices></domain>
        """;

    private const string AutoPort = """
        <domain type='test'><name>d2</name><uuid>00000000-0000-4000-8000-000000000002</uuid><memory>1024</memory><os><type>hvm</type></os>
          <devices><graphics type='vnc' autoport='yes' listen='0.0.0.0'/></devices></domain>
        """;

    private const string Ipv6 = """
        <domain type='test'><name>d3</name><uuid>00000000-0000-4000-8000-000000000003</uuid><memory>1024</memory><os><type>hvm</type></os>
          <devices><graphics type='vnc' port='5905' listen='::1'/></devices></domain>
        """;

    private const string SocketAndTls = """
        <domain type='test'><name>d4</name><uuid>00000000-0000-4000-8000-000000000004</uuid><memory>1024</memory><os><type>hvm</type></os>
          <devices><graphics type='vnc' socket='/tmp/vnc.sock'/><graphics type='spice' port='5903' tlsPort='5904' listen='0.0.0.0' passwd='s3'/></devices></domain>
        """;

    private const string SpiceOnly = """
        <domain type='test'><name>d5</name><uuid>00000000-0000-4000-8000-000000000005</uuid><memory>1024</memory><os><type>hvm</type></os>
          <devices><graphics type='spice' port='5906' listen='192.0.2.5'/></devices></domain>
        """;

    private static string DefineDisplays() =>
        string.Join("; ", new[] { Displays, AutoPort, Ipv6, SocketAndTls, SpiceOnly }.Select((xml, i) => "define " + WriteFile($"parity-display{i + 1}-{Guid.NewGuid():N}.xml", xml)));

    [TestCase("vncdisplay d1; domdisplay d1; start d1; vncdisplay d1; domdisplay d1; domdisplay d1 --all; domdisplay d1 --include-password; domdisplay d1 --type spice; "
        + "domdisplay d1 --type rdp; domdisplay d1 --all --include-password; vncdisplay nope; vncdisplay test; domdisplay test; domdisplay test --type vnc")]
    [TestCase("start d2; start d3; start d4; start d5; vncdisplay d2; domdisplay d2; vncdisplay d3; domdisplay d3; vncdisplay d4; domdisplay d4; domdisplay d4 --all; "
        + "domdisplay d4 --all --include-password; domdisplay d4 --type spice --include-password; vncdisplay d5; domdisplay d5; domdisplay d5 --type vnc")]
    public async Task Vncdisplay_and_domdisplay_are_byte_identical(string chain) => await AssertSameAsync($"{DefineDisplays()}; {chain}");

    [Test]
    public async Task Under_quiet_domdisplay_of_one_display_ends_without_a_newline_as_in_virsh()
    {
        // virsh prints the URI alone and the blank line after it is the one -q drops; with --all each URI ends its line.
        var chain = $"{DefineDisplays()}; start d1; domdisplay d1; domdisplay d1 --all; vncdisplay d1; domdisplay d1 --type spice";
        var virshTask = VirshAsync("-q", "-c", TestUri, chain);
        var vshTask = VshAsync("-q", "-c", TestUri, chain);
        var (virsh, vsh) = (await virshTask, await vshTask);

        Assert.That(vsh, Is.EqualTo(virsh), $"virsh:\n{virsh}\nvsh:\n{vsh}");
        Assert.That(vsh.Stdout, Is.EqualTo("vnc://127.0.0.1:1vnc://127.0.0.1:1\nspice://localhost:5903\n127.0.0.1:1\nspice://localhost:5903"));
    }

    [TestCase("dumpxml d1; dumpxml d1 --security-info; dumpxml d1 --inactive --security-info; start d4; dumpxml d4; dumpxml d4 --security-info")]
    public async Task Dumpxml_shows_display_passwords_only_with_security_info(string chain) => await AssertSameAsync($"{DefineDisplays()}; {chain}");
}
