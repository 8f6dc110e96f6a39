using Virt.Api;
using Virt.Protocol.V1;
using Virt.Qemu.Capabilities;
using DomainSummary = Virt.Driver.DomainSummary;

namespace Virt.Daemon;

/// <summary>
/// Host facts for the QEMU driver: the version QEMU itself reports (probed once per binary and cached under
/// <c>STATE/cache/qemu</c>), this machine's hostname, and the "none" security model, which is what libvirt's QEMU
/// driver reports when neither SELinux nor AppArmor confines guests (virt-vmm does not confine them yet either).
/// </summary>
internal sealed class QemuHostInfo(QemuCapabilitiesCache capabilities, string emulator) : IHostInfo
{
    public async Task<GetVersionResponse> GetVersionAsync(CancellationToken cancellationToken)
    {
        var caps = await capabilities.GetAsync(emulator, cancellationToken);
        return new GetVersionResponse
        {
            DaemonVersion = DaemonHost.Version,
            HypervisorType = "QEMU",
            HypervisorVersion = caps.Version.ToString(),
            HypervisorVersionNumber = (ulong)caps.Version.Number,
            LibraryVersionNumber = HostInfo.MirroredLibvirtVersion,
            ApiVersion = HostInfo.ApiVersion,
        };
    }

    public Task<string> GetHostnameAsync(CancellationToken cancellationToken) => Task.FromResult(System.Net.Dns.GetHostName());

    public IReadOnlyList<SecurityLabel> GetSecurityLabels(DomainSummary domain) =>
        [new SecurityLabel { Model = "none", Doi = "0", Label = "", Enforcing = false }];
}
