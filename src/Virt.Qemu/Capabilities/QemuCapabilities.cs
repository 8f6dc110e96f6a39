using System.Text.Json.Serialization;
using Virt.Qemu.Qmp;

namespace Virt.Qemu.Capabilities;

/// <summary>
/// What one QEMU binary can do, as probed over QMP: version, machine types, CPU models and device types.
/// Immutable; probed once per binary identity and cached (<see cref="QemuCapabilitiesCache"/>).
/// </summary>
public sealed record QemuCapabilities
{
    private HashSet<string>? _devices;

    /// <summary>The binary's absolute path.</summary>
    public required string Binary { get; init; }

    /// <summary>Identifies the binary file that was probed (<see cref="Capabilities.BinaryIdentity"/>); a change means a re-probe.</summary>
    public required string BinaryIdentity { get; init; }

    /// <summary>The QEMU version.</summary>
    public required QemuVersion Version { get; init; }

    /// <summary>Machine types, e.g. <c>pc-q35-7.2</c> with alias <c>q35</c>.</summary>
    public required IReadOnlyList<QemuMachineType> Machines { get; init; }

    /// <summary>CPU models, e.g. <c>qemu64</c>, <c>Skylake-Client</c>.</summary>
    public required IReadOnlyList<QemuCpuModel> CpuModels { get; init; }

    /// <summary>Instantiable QOM types, which include every <c>-device</c> model.</summary>
    public required IReadOnlyList<string> DeviceTypes { get; init; }

    /// <summary>Whether the binary was built with KVM support (the host may still lack /dev/kvm).</summary>
    public required bool KvmSupported { get; init; }

    /// <summary>The machine type QEMU uses when none is given.</summary>
    [JsonIgnore]
    public QemuMachineType? DefaultMachine => Machines.FirstOrDefault(m => m.IsDefault);

    /// <summary>True when <paramref name="type"/> can be instantiated, e.g. <c>virtio-blk-pci</c>.</summary>
    public bool HasDevice(string type) => (_devices ??= new HashSet<string>(DeviceTypes, StringComparer.Ordinal)).Contains(type);

    /// <summary>The machine type with this name or alias.</summary>
    public QemuMachineType? FindMachine(string nameOrAlias) =>
        Machines.FirstOrDefault(m => m.Name == nameOrAlias) ?? Machines.FirstOrDefault(m => m.Alias == nameOrAlias);

    /// <summary>The CPU model with this name.</summary>
    public QemuCpuModel? FindCpuModel(string name) => CpuModels.FirstOrDefault(m => m.Name == name);
}

/// <summary>A machine type.</summary>
/// <param name="Name">Versioned name, e.g. <c>pc-q35-7.2</c>.</param>
/// <param name="Alias">Unversioned alias, e.g. <c>q35</c>, or null.</param>
/// <param name="IsDefault">Whether QEMU picks it when none is given.</param>
/// <param name="MaxCpus">The most vCPUs it supports.</param>
/// <param name="Deprecated">Whether QEMU marks it deprecated.</param>
public sealed record QemuMachineType(string Name, string? Alias, bool IsDefault, int MaxCpus, bool Deprecated);

/// <summary>A CPU model.</summary>
/// <param name="Name">The model name.</param>
/// <param name="Usable">False when the current accelerator lacks features it needs.</param>
/// <param name="Deprecated">Whether QEMU marks it deprecated.</param>
public sealed record QemuCpuModel(string Name, bool Usable, bool Deprecated);
