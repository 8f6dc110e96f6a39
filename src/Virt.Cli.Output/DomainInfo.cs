namespace Virt.Cli.Output;

/// <summary>Everything <c>virsh dominfo</c> prints. A null optional field means virsh's call for it failed or
/// returned nothing, which virsh shows by leaving the line out or printing "unknown" (see each parameter).</summary>
/// <param name="Id">The running id, or null for an inactive domain ("-").</param>
/// <param name="Name">The domain name.</param>
/// <param name="Uuid">The UUID; null leaves the line out.</param>
/// <param name="OsType">The OS type (<c>hvm</c>, <c>linux</c>…); null leaves the line out.</param>
/// <param name="State">The current state.</param>
/// <param name="Cpus">The number of virtual CPUs.</param>
/// <param name="CpuTimeNanoseconds">The CPU time used, in nanoseconds; 0 leaves the line out, as in virsh.</param>
/// <param name="MaxMemoryKiB">The maximum memory in KiB; null (or <see cref="uint.MaxValue"/>) prints "no limit".</param>
/// <param name="UsedMemoryKiB">The current memory in KiB.</param>
/// <param name="Persistent">Whether the domain is persistent; null prints "unknown".</param>
/// <param name="Autostart">Whether the domain autostarts; null leaves the line out.</param>
/// <param name="ManagedSave">Whether a managed save image exists; null prints "unknown".</param>
/// <param name="SecurityModel">The host's security model; null or empty leaves all security lines out.</param>
/// <param name="SecurityDoi">The security model's domain of interpretation.</param>
/// <param name="SecurityLabel">The domain's label; null or empty leaves the line out (inactive domains have none).</param>
/// <param name="SecurityLabelEnforcing">Whether the label is enforcing (else permissive).</param>
/// <param name="Messages">Messages the hypervisor attached to the domain (tainting, deprecations); may be null.</param>
public sealed record DomainInfo(
    int? Id,
    string Name,
    string? Uuid,
    string? OsType,
    DomainState State,
    int Cpus,
    ulong CpuTimeNanoseconds,
    ulong? MaxMemoryKiB,
    ulong UsedMemoryKiB,
    bool? Persistent,
    bool? Autostart,
    bool? ManagedSave,
    string? SecurityModel = null,
    string SecurityDoi = "",
    string? SecurityLabel = null,
    bool SecurityLabelEnforcing = true,
    IReadOnlyList<string>? Messages = null);
