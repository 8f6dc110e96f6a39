using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Qemu;

/// <summary>Where the QEMU driver keeps its definitions, and the policy it checks them against.</summary>
public sealed record QemuDriverOptions
{
    /// <summary>virtd's state directory; the driver keeps everything under <c>STATE/qemu</c>.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The operator's policy for definitions (vCPU, disk and NIC ceilings).</summary>
    public DefinitionLimits Limits { get; init; } = DefinitionLimits.Default;

    /// <summary>CPUs of this host, for the vCPU overcommit check.</summary>
    public int HostCpus { get; init; } = Environment.ProcessorCount;

    /// <summary>Parser settings (size limit, UUID and MAC generators).</summary>
    public DefinitionParseOptions ParseOptions { get; init; } = DefinitionParseOptions.Default;

    /// <summary>
    /// How long a modifying call waits for another one on the same domain before it fails with
    /// <see cref="VirtErrorReason.JobBusy"/>. Definition changes take milliseconds, so a short wait lets
    /// concurrent callers through instead of failing them.
    /// </summary>
    public TimeSpan JobWaitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>STATE/qemu</c>.</summary>
    public string DriverDirectory => Path.Combine(StateDirectory, "qemu");

    /// <summary>One <c>UUID.xml</c> per persistent domain.</summary>
    public string DomainsDirectory => Path.Combine(DriverDirectory, "domains");

    /// <summary>One file per domain that starts with virtd, named by UUID (libvirt keeps symlinks; a file is enough).</summary>
    public string AutostartDirectory => Path.Combine(DriverDirectory, "autostart");

    /// <summary>Definition files that could not be loaded, moved aside for the operator rather than dropped.</summary>
    public string QuarantineDirectory => Path.Combine(DriverDirectory, "quarantine");
}
