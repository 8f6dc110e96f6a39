using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>virt.v1.HostService: versions, hostname and the connection's own facts, from <see cref="IHostInfo"/>.</summary>
internal sealed class HostApi(IHostInfo host, IDomainDriver driver) : HostService.HostServiceBase
{
    public override Task<GetVersionResponse> GetVersion(GetVersionRequest request, ServerCallContext context) =>
        host.GetVersionAsync(context.CancellationToken);

    public override async Task<GetHostnameResponse> GetHostname(GetHostnameRequest request, ServerCallContext context) =>
        new() { Hostname = await host.GetHostnameAsync(context.CancellationToken).ConfigureAwait(false) };

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
