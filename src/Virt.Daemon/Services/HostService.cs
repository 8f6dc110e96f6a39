using Grpc.Core;
using Virt.Protocol.V1;
using Virt.Qemu.Capabilities;

namespace Virt.Daemon.Services;

/// <summary>
/// virt.v1.HostService: facts about this host and its hypervisor. Methods not overridden here answer UNIMPLEMENTED
/// (the generated base's behaviour) until the QEMU driver issue adds them.
/// </summary>
internal sealed class HostService(QemuCapabilitiesCache capabilities, string emulator) : Protocol.V1.HostService.HostServiceBase
{
    /// <summary>The libvirt API level whose behaviour we mirror (virConnectGetLibVersion).</summary>
    private const ulong MirroredLibvirtVersion = 9_000_000;

    public override async Task<GetVersionResponse> GetVersion(GetVersionRequest request, ServerCallContext context)
    {
        var caps = await capabilities.GetAsync(emulator, context.CancellationToken);
        return new GetVersionResponse
        {
            DaemonVersion = DaemonHost.Version,
            HypervisorType = "QEMU",
            HypervisorVersion = caps.Version.ToString(),
            HypervisorVersionNumber = (ulong)caps.Version.Number,
            LibraryVersionNumber = MirroredLibvirtVersion,
            ApiVersion = "virt.v1",
        };
    }

    public override Task<GetHostnameResponse> GetHostname(GetHostnameRequest request, ServerCallContext context) =>
        Task.FromResult(new GetHostnameResponse { Hostname = System.Net.Dns.GetHostName() });
}
