using System.Globalization;

namespace Virt.Qemu.CommandLine;

/// <summary>
/// Deterministic PCI address assignment in the manner of libvirt's qemu_domain_address.c, for i440fx and q35.
/// Explicit addresses are reserved first (and refused when they clash or name a bus that does not exist); then
/// devices are placed in the order the caller asks, which is libvirt's order. On i440fx every device takes the
/// first free slot of pci.0 (slot 0 is the host bridge, slot 1 the PIIX3), then of any pci-bridge. On q35 every
/// PCI Express device gets a pcie-root-port of its own: an empty one the definition already has, or a new one.
/// New root ports are grouped eight to a slot of pcie.0 from slot 2 on, function 0 marked multifunction, with
/// chassis = index and port = slot × 8 + function, as in libvirt's golden files. Conventional PCI devices on q35
/// go straight onto pcie.0 as integrated endpoints (libvirt would add a pcie-to-pci-bridge; they cannot be
/// hot-unplugged either way).
/// </summary>
public sealed class PciAddressAssigner
{
    private const int SlotsPerBus = 32;
    private const int FunctionsPerSlot = 8;
    private const int FirstRootPortSlot = 2;

    private readonly Dictionary<(uint Bus, int Slot, int Function), string> _used = [];
    private readonly SortedDictionary<uint, PciBusKind> _buses = [];
    private readonly HashSet<(uint Bus, int Slot)> _rootPortSlots = [];
    private readonly List<PciRootPort> _addedRootPorts = [];
    private int _rootPortSlot = -1;
    private int _rootPortFunction;

    /// <summary>Starts with the root bus and the machine's built-in functions reserved.</summary>
    public PciAddressAssigner(QemuMachineKind machine)
    {
        Machine = machine;
        _buses[0] = PciBusKind.Root;
        _used[(0, 0, 0)] = "the host bridge";
        if (machine == QemuMachineKind.I440fx)
        {
            _used[(0, 1, 0)] = "the built-in PIIX3 ISA bridge";
            _used[(0, 1, 1)] = "the built-in PIIX3 IDE controller";
            _used[(0, 1, 3)] = "the built-in PIIX4 ACPI controller";
        }
        else
        {
            _used[(0, 0x1f, 0)] = "the built-in ICH9 LPC bridge";
            _used[(0, 0x1f, 2)] = "the built-in ICH9 SATA controller";
            _used[(0, 0x1f, 3)] = "the built-in ICH9 SMBus controller";
        }
    }

    /// <summary>The machine family.</summary>
    public QemuMachineKind Machine { get; }

    /// <summary>Root ports created by <see cref="Assign"/>, in creation order.</summary>
    public IReadOnlyList<PciRootPort> AddedRootPorts => _addedRootPorts;

    /// <summary>The qdev id of the bus a controller index provides.</summary>
    public string BusId(uint index) =>
        index == 0 ? (Machine == QemuMachineKind.Q35 ? "pcie.0" : "pci.0") : string.Create(CultureInfo.InvariantCulture, $"pci.{index}");

    /// <summary>Declares a bus provided by a PCI controller of the definition.</summary>
    public void AddBus(uint index, PciBusKind kind, string location)
    {
        if (index == 0 || !_buses.TryAdd(index, kind))
        {
            throw new QemuCommandLineException(location, $"PCI controller index {index} is used twice; each PCI controller needs its own index");
        }
    }

    /// <summary>Reserves an explicit address from the definition.</summary>
    public void Reserve(string owner, uint bus, int slot, int function, string location)
    {
        if (!_buses.TryGetValue(bus, out var kind))
        {
            throw new QemuCommandLineException(location, $"PCI bus {bus} does not exist; the guest's PCI buses are {string.Join(", ", _buses.Keys)}");
        }
        if (slot is < 0 or >= SlotsPerBus || function is < 0 or >= FunctionsPerSlot)
        {
            throw new QemuCommandLineException(location, $"PCI address slot {slot} function {function} is out of range; slots are 0-31 and functions 0-7");
        }
        if (kind == PciBusKind.RootPort && slot != 0)
        {
            throw new QemuCommandLineException(location, $"{BusId(bus)} is a pcie-root-port and has only slot 0");
        }
        if (kind == PciBusKind.PciBridge && slot == 0)
        {
            throw new QemuCommandLineException(location, $"slot 0 of pci-bridge {BusId(bus)} is not usable; use slots 1-31");
        }
        if (_used.TryGetValue((bus, slot, function), out var holder))
        {
            throw new QemuCommandLineException(location, string.Create(CultureInfo.InvariantCulture,
                $"PCI address {BusId(bus)} slot 0x{slot:x} function 0x{function:x} is already taken by {holder}; give each device its own address"));
        }
        _used[(bus, slot, function)] = owner;
    }

    /// <summary>Takes one function of a slot if it is free (libvirt's fixed spots, e.g. the PIIX3 UHCI at 0x1.0x2).</summary>
    public PciSlot? TryTake(string owner, uint bus, int slot, int function)
    {
        if (!_buses.ContainsKey(bus) || !_used.TryAdd((bus, slot, function), owner))
        {
            return null;
        }
        return new PciSlot(BusId(bus), slot, function);
    }

    /// <summary>Places a root port of the definition that has no address, as libvirt groups them.</summary>
    public PciRootPort PlaceRootPort(string owner, uint index, uint? chassis, uint? port, string location)
    {
        var (slot, function) = NextRootPortFunction(location);
        _used[(0, slot, function)] = owner;
        return new PciRootPort(index, chassis ?? index, port ?? (uint)((slot * FunctionsPerSlot) + function), SlotOnRoot(slot, function));
    }

    /// <summary>Assigns an address to a device without one.</summary>
    /// <param name="owner">Who takes it, for error messages.</param>
    /// <param name="connection">Whether it is a PCI Express endpoint.</param>
    /// <param name="location">Where the device is in the definition, for errors.</param>
    /// <param name="preferredSlot">A whole slot of the root bus to try first (libvirt puts the primary video at 2 on i440fx, 1 on q35).</param>
    public PciSlot Assign(string owner, PciConnection connection, string location, int? preferredSlot = null)
    {
        if (preferredSlot is { } preferred && SlotFree(0, preferred))
        {
            _used[(0, preferred, 0)] = owner;
            return new PciSlot(BusId(0), preferred, 0);
        }
        if (Machine == QemuMachineKind.Q35 && connection == PciConnection.Express)
        {
            return AssignRootPort(owner, location);
        }
        foreach (var (bus, kind) in _buses)
        {
            if (kind == PciBusKind.RootPort)
            {
                continue;
            }
            for (var slot = 1; slot < SlotsPerBus; slot++)
            {
                if (SlotFree(bus, slot) && !_rootPortSlots.Contains((bus, slot)))
                {
                    _used[(bus, slot, 0)] = owner;
                    return new PciSlot(BusId(bus), slot, 0);
                }
            }
        }
        throw new QemuCommandLineException(location,
            $"no free PCI slot is left for {owner}: {BusId(0)} has 32 slots and no pci-bridge has a free one; add a <controller type='pci' model='pci-bridge'/>");
    }

    /// <summary>The slot a root bus function is at, multifunction when it heads a root-port group.</summary>
    public PciSlot SlotOnRoot(int slot, int function) =>
        new(BusId(0), slot, function, function == 0 && _rootPortSlots.Contains((0, slot)));

    private PciSlot AssignRootPort(string owner, string location)
    {
        foreach (var (bus, kind) in _buses)
        {
            if (kind == PciBusKind.RootPort && !_used.ContainsKey((bus, 0, 0)))
            {
                _used[(bus, 0, 0)] = owner;
                return new PciSlot(BusId(bus), 0, 0);
            }
        }
        var index = _buses.Keys.Max() + 1;
        var rootPort = PlaceRootPort($"pcie-root-port {BusId(index)}", index, null, null, location);
        _buses[index] = PciBusKind.RootPort;
        _addedRootPorts.Add(rootPort);
        _used[(index, 0, 0)] = owner;
        return new PciSlot(BusId(index), 0, 0);
    }

    private (int Slot, int Function) NextRootPortFunction(string location)
    {
        if (_rootPortSlot >= 0)
        {
            while (_rootPortFunction < FunctionsPerSlot && _used.ContainsKey((0, _rootPortSlot, _rootPortFunction)))
            {
                _rootPortFunction++;
            }
            if (_rootPortFunction < FunctionsPerSlot)
            {
                return (_rootPortSlot, _rootPortFunction++);
            }
        }
        for (var slot = FirstRootPortSlot; slot < SlotsPerBus; slot++)
        {
            if (SlotFree(0, slot))
            {
                _rootPortSlot = slot;
                _rootPortFunction = 1;
                _rootPortSlots.Add((0, slot));
                return (slot, 0);
            }
        }
        throw new QemuCommandLineException(location, "no free slot is left on pcie.0 for another pcie-root-port; use fewer PCI Express devices or give them addresses on existing ports");
    }

    private bool SlotFree(uint bus, int slot)
    {
        for (var function = 0; function < FunctionsPerSlot; function++)
        {
            if (_used.ContainsKey((bus, slot, function)))
            {
                return false;
            }
        }
        return true;
    }
}
