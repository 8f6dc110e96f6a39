using System.Globalization;

namespace Virt.Domain;

/// <summary>Checks a parsed guest definition against <see cref="DefinitionLimits"/> and cross-device consistency rules.</summary>
public static class DomainValidator
{
    /// <summary>Throws the first problem found.</summary>
    /// <param name="definition">The definition.</param>
    /// <param name="limits">The operator's policy.</param>
    /// <param name="hostCpus">CPUs of the host that will run the guest; the library never reads it itself.</param>
    /// <exception cref="DefinitionException">With reason <see cref="DefinitionErrorReason.LimitExceeded"/> or <see cref="DefinitionErrorReason.Conflict"/>.</exception>
    public static void Validate(DomainDefinition definition, DefinitionLimits limits, int hostCpus)
    {
        var problems = Check(definition, limits, hostCpus);
        if (problems.Count > 0)
        {
            throw problems[0];
        }
    }

    /// <summary>Lists every problem, so a client can fix them all in one go.</summary>
    /// <param name="definition">The definition.</param>
    /// <param name="limits">The operator's policy.</param>
    /// <param name="hostCpus">CPUs of the host that will run the guest.</param>
    /// <returns>The problems, empty when the definition is acceptable.</returns>
    public static IReadOnlyList<DefinitionException> Check(DomainDefinition definition, DefinitionLimits limits, int hostCpus)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCpus, 1);
        var problems = new List<DefinitionException>();
        CheckVcpus(definition, limits, hostCpus, problems);
        if (limits.MaxMemoryKiB is { } maxMemory && definition.MemoryKiB > maxMemory)
        {
            problems.Add(Limit("/domain/memory", $"The guest asks for {definition.MemoryKiB} KiB of memory, over the limit of {maxMemory} KiB", (long)Math.Min(definition.MemoryKiB, long.MaxValue), $"at most {maxMemory} KiB"));
        }
        foreach (var duplicate in definition.Devices.Controllers.GroupBy(c => (c.Type, c.Index, Companion: c.MasterStartPort is not null)).Where(g => !g.Key.Companion && g.Count() > 1))
        {
            problems.Add(new DefinitionException(
                DefinitionErrorReason.Conflict,
                "/domain/devices/controller",
                $"There are {duplicate.Count()} {Xml.DomainXmlNames.ControllerType.ToXml(duplicate.Key.Type)} controllers with index {duplicate.Key.Index}",
                found: duplicate.Key.Index.ToString(CultureInfo.InvariantCulture),
                allowed: "one controller per type and index"));
        }
        CheckDisks(definition.Devices.Disks, limits, problems);
        CheckInterfaces(definition.Devices.Interfaces, limits, problems);
        CheckBootOrder(definition, problems);
        return problems;
    }

    private static void CheckVcpus(DomainDefinition definition, DefinitionLimits limits, int hostCpus, List<DefinitionException> problems)
    {
        var count = definition.Vcpu.Count;
        if (count > limits.MaxVcpus)
        {
            problems.Add(Limit("/domain/vcpu", $"The guest has {count} vCPUs, over the limit of {limits.MaxVcpus}", count, $"at most {limits.MaxVcpus}"));
        }
        else if (!limits.AllowVcpuOvercommit && count > hostCpus)
        {
            problems.Add(Limit("/domain/vcpu", $"The guest has {count} vCPUs but the host has only {hostCpus} CPUs", count, $"at most {hostCpus} (the host CPU count)"));
        }
        if (definition.Cpu?.Topology is { } t)
        {
            var product = (ulong)t.Sockets * t.Dies * t.Cores * t.Threads;
            if (product != count)
            {
                problems.Add(new DefinitionException(
                    DefinitionErrorReason.Conflict,
                    "/domain/cpu/topology",
                    $"The CPU topology gives {product} vCPUs but <vcpu> says {count}",
                    found: product.ToString(CultureInfo.InvariantCulture),
                    allowed: $"sockets × dies × cores × threads = {count}"));
            }
        }
    }

    private static void CheckDisks(ValueList<Disk> disks, DefinitionLimits limits, List<DefinitionException> problems)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            var dev = disks[i].Target.Dev;
            if (seen.TryGetValue(dev, out var first))
            {
                problems.Add(new DefinitionException(
                    DefinitionErrorReason.Conflict,
                    $"{Step("disk", i, disks.Count)}/target/@dev",
                    $"The disk target '{dev}' is already used by disk {first + 1}",
                    found: dev,
                    allowed: "a target name unique within the guest"));
            }
            else
            {
                seen[dev] = i;
            }
        }
        var virtio = disks.Count(d => d.Target.Bus == DiskBus.Virtio);
        if (virtio > limits.MaxVirtioDisks)
        {
            problems.Add(Limit("/domain/devices/disk", $"The guest has {virtio} virtio disks, over the limit of {limits.MaxVirtioDisks}", virtio, $"at most {limits.MaxVirtioDisks}"));
        }
        var ide = disks.Count(d => d.Target.Bus == DiskBus.Ide);
        if (ide > limits.MaxIdeDisks)
        {
            problems.Add(Limit("/domain/devices/disk", $"The guest has {ide} IDE disks, over the limit of {limits.MaxIdeDisks}", ide, $"at most {limits.MaxIdeDisks}"));
        }
        foreach (var group in disks.Where(d => d.Target.Bus == DiskBus.Sata).GroupBy(d => d.Address?.Controller ?? 0))
        {
            var count = group.Count();
            if (count > limits.MaxSataDisksPerController)
            {
                problems.Add(Limit("/domain/devices/disk", $"SATA controller {group.Key} has {count} disks, over the limit of {limits.MaxSataDisksPerController}", count, $"at most {limits.MaxSataDisksPerController} per controller"));
            }
            foreach (var unit in group.Where(d => d.Address?.Unit >= limits.MaxSataDisksPerController))
            {
                problems.Add(Limit("/domain/devices/disk", $"The SATA disk '{unit.Target.Dev}' is on unit {unit.Address!.Unit}, beyond the controller's {limits.MaxSataDisksPerController} ports", unit.Address.Unit!.Value, $"units 0 to {limits.MaxSataDisksPerController - 1}"));
            }
        }
    }

    private static void CheckInterfaces(ValueList<NetworkInterface> interfaces, DefinitionLimits limits, List<DefinitionException> problems)
    {
        if (interfaces.Count > limits.MaxInterfaces)
        {
            problems.Add(Limit("/domain/devices/interface", $"The guest has {interfaces.Count} network interfaces, over the limit of {limits.MaxInterfaces}", interfaces.Count, $"at most {limits.MaxInterfaces}"));
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < interfaces.Count; i++)
        {
            var mac = interfaces[i].Mac;
            if (seen.TryGetValue(mac, out var first))
            {
                problems.Add(new DefinitionException(
                    DefinitionErrorReason.Conflict,
                    $"{Step("interface", i, interfaces.Count)}/mac/@address",
                    $"The MAC address {mac} is already used by interface {first + 1}",
                    found: mac,
                    allowed: "a MAC address unique within the guest"));
            }
            else
            {
                seen[mac] = i;
            }
        }
    }

    private static void CheckBootOrder(DomainDefinition definition, List<DefinitionException> problems)
    {
        var devices = definition.Devices;
        var orders = devices.Disks.Select((d, i) => (d.BootOrder, Path: Step("disk", i, devices.Disks.Count)))
            .Concat(devices.Interfaces.Select((n, i) => (n.BootOrder, Path: Step("interface", i, devices.Interfaces.Count))))
            .Concat(devices.Hostdevs.Select((h, i) => (h.BootOrder, Path: Step("hostdev", i, devices.Hostdevs.Count))))
            .Where(x => x.BootOrder is not null)
            .ToList();
        if (orders.Count > 0 && definition.Os.BootDevices.Count > 0)
        {
            problems.Add(new DefinitionException(
                DefinitionErrorReason.Conflict,
                orders[0].Path + "/boot",
                "Per-device <boot order> cannot be combined with <os><boot dev>",
                allowed: "either per-device boot orders or os/boot elements"));
        }
        foreach (var duplicate in orders.GroupBy(x => x.BootOrder).Where(g => g.Count() > 1))
        {
            var second = duplicate.ElementAt(1);
            problems.Add(new DefinitionException(
                DefinitionErrorReason.Conflict,
                second.Path + "/boot/@order",
                $"The boot order {duplicate.Key} is used by more than one device",
                found: duplicate.Key!.Value.ToString(CultureInfo.InvariantCulture),
                allowed: "a boot order unique within the guest"));
        }
    }

    private static string Step(string element, int index, int count) =>
        count > 1 ? $"/domain/devices/{element}[{index + 1}]" : $"/domain/devices/{element}";

    private static DefinitionException Limit(string location, string detail, long found, string allowed) =>
        new(DefinitionErrorReason.LimitExceeded, location, detail, found.ToString(CultureInfo.InvariantCulture), allowed);
}
