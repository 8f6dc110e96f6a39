using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>virt.v1.HostService: versions, hostname, node facts, capabilities and the placement policy from <see cref="IHostInfo"/>, and the connection's own facts.</summary>
internal sealed class HostApi(IHostInfo host, IDomainDriver driver) : HostService.HostServiceBase
{
    public override Task<GetVersionResponse> GetVersion(GetVersionRequest request, ServerCallContext context) =>
        host.GetVersionAsync(context.CancellationToken);

    public override async Task<GetHostnameResponse> GetHostname(GetHostnameRequest request, ServerCallContext context) =>
        new() { Hostname = await host.GetHostnameAsync(context.CancellationToken).ConfigureAwait(false) };

    public override Task<GetNodeInfoResponse> GetNodeInfo(GetNodeInfoRequest request, ServerCallContext context) =>
        host.GetNodeInfoAsync(context.CancellationToken);

    public override Task<GetFreeMemoryResponse> GetFreeMemory(GetFreeMemoryRequest request, ServerCallContext context) =>
        host.GetFreeMemoryAsync(request.PerCell, context.CancellationToken);

    public override Task<GetNodeMemoryStatsResponse> GetNodeMemoryStats(GetNodeMemoryStatsRequest request, ServerCallContext context) =>
        host.GetNodeMemoryStatsAsync(request.HasCell ? (int)request.Cell : null, context.CancellationToken);

    public override Task<GetNodeCpuStatsResponse> GetNodeCpuStats(GetNodeCpuStatsRequest request, ServerCallContext context) =>
        host.GetNodeCpuStatsAsync(request.HasCpu ? (int)request.Cpu : null, request.PerCpu, context.CancellationToken);

    public override Task<GetNodeCpuMapResponse> GetNodeCpuMap(GetNodeCpuMapRequest request, ServerCallContext context) =>
        host.GetNodeCpuMapAsync(context.CancellationToken);

    public override async Task<GetCapabilitiesResponse> GetCapabilities(GetCapabilitiesRequest request, ServerCallContext context) =>
        new() { Xml = await host.GetCapabilitiesAsync(context.CancellationToken).ConfigureAwait(false) };

    public override async Task<GetDomainCapabilitiesResponse> GetDomainCapabilities(GetDomainCapabilitiesRequest request, ServerCallContext context) =>
        new() { Xml = await host.GetDomainCapabilitiesAsync(request.Emulator, request.Arch, request.Machine, request.VirtType, context.CancellationToken).ConfigureAwait(false) };

    public override async Task<GetPlacementPolicyResponse> GetPlacementPolicy(GetPlacementPolicyRequest request, ServerCallContext context)
    {
        var all = await driver.ListDomainsAsync(Virt.Driver.DomainListFilter.All, context.CancellationToken).ConfigureAwait(false);
        var running = all.Where(d => d.IsActive).ToList();
        var policy = host.Placement;
        var response = new GetPlacementPolicyResponse
        {
            // 0: no vCPU limit (a driver without a policy, or the operator turned it off).
            VcpuOvercommitRatio = policy is { Enforced: true } ? policy.OvercommitRatio : 0,
            HostCpus = (uint)(policy?.HostCpus ?? 0),
            AllocatedVcpus = (uint)running.Sum(d => VcpuPlacementPolicy.VcpusOf(d.Definition)),
            AllocatedMemoryKib = running.Aggregate(0UL, (sum, d) => sum + d.Definition.MemoryKiB),
            RunningDomains = (uint)running.Count,
            DefinedDomains = (uint)all.Count(d => d.Persistent),
        };
        if (policy is null)
        {
            return response;
        }
        try
        {
            response.HostMemoryKib = (await host.GetNodeInfoAsync(context.CancellationToken).ConfigureAwait(false)).MemoryKib;
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.OperationUnsupported)
        {
            // Host memory is informational here; a host without nodeinfo leaves it 0.
        }
        return response;
    }

    public override Task<GetConnectionInfoResponse> GetConnectionInfo(GetConnectionInfoRequest request, ServerCallContext context)
    {
        var connection = context.GetConnectionInfo();
        var unix = connection.ListenerName.StartsWith("unix:", StringComparison.Ordinal);
        var local = unix || connection.ListenerName == "in-process";
        return Task.FromResult(new GetConnectionInfoResponse
        {
            // The server cannot know the URI the client typed; it reports the one that reaches this listener.
            Uri = unix ? "virt+unix://" + connection.ListenerName["unix:".Length..] : connection.ListenerName == "in-process" ? "test:///default" : "virt+tcp://" + connection.LocalEndPoint + "/",
            ReadOnly = connection.IsReadOnly,
            Driver = driver.Type.ToLowerInvariant(),
            Transport = unix ? "unix" : local ? "in-process" : "tcp",
            Encrypted = false,
            // libvirt counts a local socket as secure; plain TCP is neither.
            Secure = local,
            ClientIdentity = connection.Peer is { } peer ? $"uid={peer.Uid}" : "",
        });
    }
}
