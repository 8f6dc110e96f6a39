using System.Globalization;

namespace Virt.Driver;

/// <summary>
/// The host's vCPU budget (DESIGN.md's placement policy): the vCPUs of all running guests together may be at most
/// <see cref="OvercommitRatio"/> × the host's CPUs. Starting a guest that would go over is refused with
/// <see cref="VirtErrorReason.ResourceLimit"/>, naming the numbers. The operator overrides it with a higher ratio, or
/// turns it off with 0 (virtd <c>--vcpu-overcommit</c>).
/// </summary>
/// <param name="HostCpus">The host's online CPUs (libvirt's nodeinfo "CPU(s)").</param>
/// <param name="OvercommitRatio">vCPUs allowed per host CPU; 0 or less: no limit.</param>
public sealed record VcpuPlacementPolicy(int HostCpus, double OvercommitRatio = VcpuPlacementPolicy.DefaultRatio)
{
    /// <summary>The ratio of the seed documents: 8 vCPUs per host CPU.</summary>
    public const double DefaultRatio = 8.0;

    /// <summary>Whether the check is on.</summary>
    public bool Enforced => OvercommitRatio > 0;

    /// <summary>The most vCPUs running guests may have together (int.MaxValue when not enforced).</summary>
    public int Ceiling => Enforced ? (int)Math.Min(int.MaxValue, Math.Floor(HostCpus * OvercommitRatio)) : int.MaxValue;

    /// <summary>The vCPUs a running domain holds: its current (online) count, else its maximum.</summary>
    public static int VcpusOf(Virt.Domain.DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return (int)(definition.Vcpu.Current ?? definition.Vcpu.Count);
    }

    /// <summary>Refuses to start a guest with <paramref name="requestedVcpus"/> when the running ones already hold <paramref name="runningVcpus"/> and the sum would exceed <see cref="Ceiling"/>.</summary>
    /// <exception cref="VirtException">ResourceLimit, with the limit, the request and what is still available.</exception>
    public void CheckStart(string domain, int requestedVcpus, int runningVcpus)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (!Enforced || (long)runningVcpus + requestedVcpus <= Ceiling)
        {
            return;
        }
        var available = Math.Max(0, Ceiling - runningVcpus);
        var ratio = OvercommitRatio.ToString("0.##", CultureInfo.InvariantCulture);
        throw new VirtException(
            VirtErrorReason.ResourceLimit,
            string.Create(CultureInfo.InvariantCulture,
                $"Cannot start domain '{domain}': it needs {requestedVcpus} vCPUs, and running domains already use {runningVcpus} of the {Ceiling} this host allows ({ratio} x {HostCpus} host CPUs); stop a domain, give this one at most {available} vCPUs, or raise the limit with virtd --vcpu-overcommit (0 turns the check off)."),
            new Dictionary<string, string>
            {
                ["domain"] = domain,
                ["limit"] = Ceiling.ToString(CultureInfo.InvariantCulture),
                ["requested"] = requestedVcpus.ToString(CultureInfo.InvariantCulture),
                ["available"] = available.ToString(CultureInfo.InvariantCulture),
            });
    }
}
