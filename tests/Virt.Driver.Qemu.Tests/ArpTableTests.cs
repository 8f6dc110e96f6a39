namespace Virt.Driver.Qemu.Tests;

public sealed class ArpTableTests
{
    [Test]
    public void Parse_keeps_complete_entries_with_lowercase_macs_and_skips_the_header_incomplete_and_malformed_lines()
    {
        // /proc/net/arp as Linux 6.1 prints it: an incomplete entry (flags 0x0) has no MAC yet.
        const string Text = """
            IP address       HW type     Flags       HW address            Mask     Device
            192.168.122.45   0x1         0x2         52:54:00:AA:BB:01     *        virbr0
            192.168.122.46   0x1         0x0         00:00:00:00:00:00     *        virbr0
            10.0.0.7         0x1         0x6         52:54:00:aa:bb:02     *        eth0
            garbage
            """;

        Assert.That(ArpTable.Parse(Text), Is.EqualTo(new[]
        {
            ("192.168.122.45", "52:54:00:aa:bb:01", "virbr0"),
            ("10.0.0.7", "52:54:00:aa:bb:02", "eth0"),
        }));
    }
}
