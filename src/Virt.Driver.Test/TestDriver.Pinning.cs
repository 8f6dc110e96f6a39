using System.Globalization;

namespace Virt.Driver.Test;

/// <summary>
/// vcpupin and emulatorpin with a cpulist, as libvirt's testDomainPinVcpuFlags and testDomainPinEmulator: a vCPU is
/// pinned in the running domain's live definition only (any flag is refused, as libvirt's "unsupported flags"), the
/// emulator in the live or the persistent one (not both at once). No thread moves: the pinning is what the query forms
/// and vcpuinfo read back.
/// </summary>
public sealed partial class TestDriver : IDomainPinning
{
    public Task<DomainSummary> PinVcpuAsync(DomainRef domain, uint vcpu, IReadOnlyList<uint> hostCpus, DomainModification modification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostCpus);
        if (modification != DomainModification.Current)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported,
                string.Create(CultureInfo.InvariantCulture, $"unsupported flags (0x{(int)modification:x}) in function testDomainPinVcpuFlags"),
                new Dictionary<string, string> { ["operation"] = "virDomainPinVcpuFlags" });
        }
        return Task.FromResult(Change(domain, entry =>
        {
            var live = entry.Live ?? throw VirtException.OperationInvalid(entry.Name, "pin a vCPU of", entry.State, "cannot pin vcpus on an inactive domain");
            if (vcpu >= (live.Vcpu.Current ?? live.Vcpu.Count))
            {
                throw new VirtException(VirtErrorReason.InvalidArgument, $"invalid argument: requested vcpu '{vcpu}' is not present in the domain",
                    new Dictionary<string, string> { ["domain"] = entry.Name });
            }
            return ChangeOutcome.Kept(entry.With(entry.Persistent, live.WithVcpuPin(vcpu, CpuSet.Format(hostCpus))));
        }, cancellationToken));
    }

    public Task<DomainSummary> PinEmulatorAsync(DomainRef domain, IReadOnlyList<uint> hostCpus, DomainModification modification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostCpus);
        return Task.FromResult(Change(domain, entry =>
        {
            // virDomainObjGetOneDef: one definition, the live one for current when running.
            var (live, definition) = OneDefinition(entry, modification, "pin the emulator of");
            var pinned = definition.WithEmulatorPin(CpuSet.Format(hostCpus));
            return ChangeOutcome.Kept(live ? entry.With(entry.Persistent, pinned) : entry.With(pinned, entry.Live));
        }, cancellationToken));
    }
}
