using Virt.Qemu.CommandLine;

namespace Virt.Qemu.Tests.CommandLine;

public sealed class PciAddressAssignerTests
{
    [Test]
    public void I440fx_fills_pci0_from_slot_2_and_keeps_the_piix3_functions()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.I440fx);

        var first = assigner.Assign("a", PciConnection.Express, "/a");
        var second = assigner.Assign("b", PciConnection.Conventional, "/b");
        var uhci = assigner.TryTake("usb", 0, 1, 2);

        Assert.That(first, Is.EqualTo(new PciSlot("pci.0", 2, 0)));
        Assert.That(second, Is.EqualTo(new PciSlot("pci.0", 3, 0)));
        Assert.That(uhci?.Addr, Is.EqualTo("0x1.0x2"));
        Assert.That(assigner.AddedRootPorts, Is.Empty);
    }

    [Test]
    public void Explicit_addresses_are_skipped_by_later_assignment()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.I440fx);
        assigner.Reserve("explicit", 0, 2, 0, "/x");

        Assert.That(assigner.Assign("auto", PciConnection.Conventional, "/y").Slot, Is.EqualTo(3));
    }

    [Test]
    public void A_duplicate_or_builtin_address_is_refused_with_its_location()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.I440fx);
        assigner.Reserve("disk[1]", 0, 5, 0, "/domain/devices/disk[1]/address");

        var duplicate = Assert.Throws<QemuCommandLineException>(() => assigner.Reserve("interface[1]", 0, 5, 0, "/domain/devices/interface[1]/address"));
        var builtin = Assert.Throws<QemuCommandLineException>(() => assigner.Reserve("x", 0, 1, 1, "/x"));
        var noBus = Assert.Throws<QemuCommandLineException>(() => assigner.Reserve("y", 3, 1, 0, "/y"));

        Assert.That(duplicate!.Location, Is.EqualTo("/domain/devices/interface[1]/address"));
        Assert.That(duplicate.Message, Does.Contain("already taken by disk[1]"));
        Assert.That(builtin!.Message, Does.Contain("PIIX3 IDE"));
        Assert.That(noBus!.Message, Does.Contain("PCI bus 3 does not exist"));
    }

    [Test]
    public void Q35_gives_each_express_device_a_root_port_eight_per_slot_from_slot_2()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.Q35);

        var slots = Enumerable.Range(0, 9).Select(i => assigner.Assign($"d{i}", PciConnection.Express, "/d")).ToList();

        Assert.That(slots.Select(s => s.Bus), Is.EqualTo(Enumerable.Range(1, 9).Select(i => $"pci.{i}")));
        Assert.That(slots.All(s => s.Slot == 0 && s.Function == 0), Is.True);
        var ports = assigner.AddedRootPorts;
        Assert.That(ports.Select(p => p.Address.Addr), Is.EqualTo(new[] { "0x2", "0x2.0x1", "0x2.0x2", "0x2.0x3", "0x2.0x4", "0x2.0x5", "0x2.0x6", "0x2.0x7", "0x3" }));
        Assert.That(ports.Select(p => p.Port), Is.EqualTo(new uint[] { 16, 17, 18, 19, 20, 21, 22, 23, 24 }));
        Assert.That(ports.Select(p => p.Chassis), Is.EqualTo(Enumerable.Range(1, 9).Select(i => (uint)i)));
        Assert.That(ports.Where(p => p.Address.Multifunction).Select(p => p.Index), Is.EqualTo(new uint[] { 1, 9 }));
    }

    [Test]
    public void Q35_uses_empty_defined_root_ports_before_adding_new_ones()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.Q35);
        assigner.AddBus(1, PciBusKind.RootPort, "/c1");
        assigner.AddBus(2, PciBusKind.RootPort, "/c2");
        assigner.Reserve("explicit", 2, 0, 0, "/e");

        var first = assigner.Assign("a", PciConnection.Express, "/a");
        var second = assigner.Assign("b", PciConnection.Express, "/b");

        Assert.That(first.Bus, Is.EqualTo("pci.1"));
        Assert.That(second.Bus, Is.EqualTo("pci.3"));
        Assert.That(assigner.AddedRootPorts.Single().Index, Is.EqualTo(3u));
    }

    [Test]
    public void Q35_puts_conventional_devices_on_pcie0_and_refuses_other_root_port_slots()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.Q35);
        assigner.AddBus(1, PciBusKind.RootPort, "/c1");

        var conventional = assigner.Assign("e1000", PciConnection.Conventional, "/n");
        var wrongSlot = Assert.Throws<QemuCommandLineException>(() => assigner.Reserve("x", 1, 3, 0, "/x"));

        Assert.That(conventional, Is.EqualTo(new PciSlot("pcie.0", 1, 0)));
        Assert.That(wrongSlot!.Message, Does.Contain("has only slot 0"));
    }

    [Test]
    public void Running_out_of_slots_is_refused_with_advice()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.I440fx);
        for (var i = 0; i < 30; i++)
        {
            assigner.Assign($"d{i}", PciConnection.Conventional, "/d");
        }

        var full = Assert.Throws<QemuCommandLineException>(() => assigner.Assign("last", PciConnection.Conventional, "/domain/devices/interface[31]"));

        Assert.That(full!.Location, Is.EqualTo("/domain/devices/interface[31]"));
        Assert.That(full.Message, Does.Contain("pci-bridge"));
    }

    [Test]
    public void A_pci_bridge_takes_devices_once_the_root_bus_is_full()
    {
        var assigner = new PciAddressAssigner(QemuMachineKind.I440fx);
        assigner.AddBus(1, PciBusKind.PciBridge, "/b");
        for (var i = 0; i < 30; i++)
        {
            assigner.Assign($"d{i}", PciConnection.Conventional, "/d");
        }

        Assert.That(assigner.Assign("next", PciConnection.Conventional, "/n"), Is.EqualTo(new PciSlot("pci.1", 1, 0)));
    }
}
