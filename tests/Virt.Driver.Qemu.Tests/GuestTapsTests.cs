using Virt.Domain;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// Naming and checking a start's managed taps against a fake /sys/class/net (a directory per interface, a bridge
/// with its bridge/ directory). The real taps are made by the worker, tested through virtd with a bridge in a network
/// namespace (Virt.Integration.Tests).
/// </summary>
public sealed class GuestTapsTests
{
    private string _interfaces = "";

    [SetUp]
    public void MakeInterfaces()
    {
        _interfaces = Directory.CreateTempSubdirectory("virt-sysnet-").FullName;
        Directory.CreateDirectory(Path.Combine(_interfaces, "br0", "bridge"));
        Directory.CreateDirectory(Path.Combine(_interfaces, "eth0"));
    }

    [TearDown]
    public void RemoveInterfaces() => Directory.Delete(_interfaces, recursive: true);

    private static DomainDefinition Guest(params NetworkInterface[] nics) => new()
    {
        Name = "g",
        Uuid = Guid.Parse("c7a5fdbd-cdaf-9455-926a-d65c16db1809"),
        Devices = new DomainDevices { Interfaces = new ValueList<NetworkInterface>(nics) },
    };

    private static NetworkInterface Bridge(string bridge, string? target = null) => new()
    {
        Type = InterfaceType.Bridge,
        Mac = "52:54:00:12:34:56",
        Source = new InterfaceSource { Bridge = bridge },
        TargetDev = target,
        Model = InterfaceModel.Virtio,
    };

    private static NetworkInterface Ethernet(string? target = null, bool? managed = null) => new()
    {
        Type = InterfaceType.Ethernet,
        Mac = "52:54:00:ab:cd:ef",
        TargetDev = target,
        TargetManaged = managed,
        Model = InterfaceModel.E1000,
        Mtu = 9000,
    };

    [Test]
    public void Managed_taps_get_vnet_names_in_order_skipping_taken_ones_and_unmanaged_and_user_nics_get_none()
    {
        Directory.CreateDirectory(Path.Combine(_interfaces, "vnet1"));
        var taps = new GuestTaps(_interfaces);

        using var plan = taps.Reserve(Guest(
            Bridge("br0"), new NetworkInterface { Type = InterfaceType.User, Mac = "52:54:00:00:00:01" }, Ethernet(), Ethernet("vt0", managed: false), Ethernet()));

        Assert.That(plan.Definition.Devices.Interfaces.Select(n => n.TargetDev), Is.EqualTo(new[] { "vnet0", null, "vnet2", "vt0", "vnet3" }));
        Assert.That(plan.Taps.Select(t => (t.Name, t.Bridge, t.Mac, t.Mtu, t.VnetHdr, t.Queues)), Is.EqualTo(new[]
        {
            ("vnet0", "br0", "fe:54:00:12:34:56", 0u, true, 1u),
            ("vnet2", "", "fe:54:00:ab:cd:ef", 9000u, false, 1u),
            ("vnet3", "", "fe:54:00:ab:cd:ef", 9000u, false, 1u),
        }));
    }

    [Test]
    public void Names_held_by_a_start_in_progress_or_handed_out_before_are_not_given_again()
    {
        var taps = new GuestTaps(_interfaces);
        var first = taps.Reserve(Guest(Bridge("br0", target: "mytap")));
        using (var second = taps.Reserve(Guest(Bridge("br0"))))
        {
            Assert.That(second.Taps.Single().Name, Is.EqualTo("vnet0"));
            var error = Assert.Throws<VirtException>(() => taps.Reserve(Guest(Bridge("br0", target: "mytap"))))!;
            Assert.That(error.Message, Does.Contain("the tap device 'mytap' already exists (/domain/devices/interface[1]/target/@dev)"));
        }
        first.Dispose();

        using var third = taps.Reserve(Guest(Bridge("br0", target: "mytap"), Bridge("br0")));
        Assert.That(third.Taps.Select(t => t.Name), Is.EqualTo(new[] { "mytap", "vnet1" }), "a released name is free; the counter only grows");
    }

    [Test]
    public void Generated_names_from_a_live_definition_are_replaced_and_a_restarted_driver_continues_past_running_ones()
    {
        var taps = new GuestTaps(_interfaces);
        taps.SkipPast(Guest(Bridge("br0", target: "vnet41"), Ethernet("vnet7"), Ethernet("vnet99", managed: false)));

        using var plan = taps.Reserve(Guest(Bridge("br0", target: "vnet41"), Ethernet("macvtap3")));

        Assert.That(plan.Taps.Select(t => t.Name), Is.EqualTo(new[] { "vnet42", "vnet43" }));
    }

    [TestCase("br9", "the bridge 'br9' does not exist (/domain/devices/interface[1]/source/@bridge); create it first (ip link add br9 type bridge)")]
    [TestCase("eth0", "the network interface 'eth0' is not a bridge (/domain/devices/interface[1]/source/@bridge)")]
    public void A_missing_bridge_or_one_that_is_not_a_bridge_is_refused_naming_the_element(string bridge, string expected)
    {
        var taps = new GuestTaps(_interfaces);

        var error = Assert.Throws<VirtException>(() => taps.Reserve(Guest(Bridge(bridge))))!;

        Assert.That(error.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
        Assert.That(error.Message, Does.StartWith("Cannot start domain 'g': " + expected));
        Assert.That(error.Metadata, Does.ContainKey("element"));
    }

    [TestCase("eth0", "the tap device 'eth0' already exists")]
    [TestCase("a-name-of-16-byt", "'a-name-of-16-byt' is not a valid network interface name (/domain/devices/interface[2]/target/@dev): at most 15 bytes")]
    [TestCase("a/b", "'a/b' is not a valid network interface name")]
    public void A_named_tap_that_exists_or_is_no_interface_name_is_refused_and_holds_nothing(string name, string expected)
    {
        var taps = new GuestTaps(_interfaces);

        var error = Assert.Throws<VirtException>(() => taps.Reserve(Guest(Ethernet("free"), Ethernet(name))))!;

        Assert.That(error.Message, Does.Contain(expected));
        using var plan = taps.Reserve(Guest(Ethernet("free")));
        Assert.That(plan.Taps.Single().Name, Is.EqualTo("free"), "the refused start released the names it had taken");
    }
}
