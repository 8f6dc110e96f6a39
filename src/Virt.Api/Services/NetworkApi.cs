using Grpc.Core;
using Virt.Domain.Xml;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>virt.v1.NetworkService: the read side (list, info, XML) over <see cref="INetworkDriver"/>.</summary>
internal sealed class NetworkApi(INetworkDriver driver, EventLog events) : NetworkService.NetworkServiceBase
{
    public override async Task<ListNetworksResponse> ListNetworks(ListNetworksRequest request, ServerCallContext context)
    {
        var sequence = events.LatestSequence;
        var networks = await driver.ListNetworksAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new ListNetworksResponse { EventSequence = sequence };
        response.Networks.AddRange(networks
            .Where(n => (!request.HasActive || n.Active == request.Active)
                && (!request.HasPersistent || n.Persistent == request.Persistent)
                && (!request.HasAutostart || n.Autostart == request.Autostart))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(ToProto.Summary));
        return response;
    }

    public override async Task<GetNetworkInfoResponse> GetNetworkInfo(GetNetworkInfoRequest request, ServerCallContext context) =>
        new() { Network = ToProto.Summary(await driver.LookupNetworkAsync(Requests.Network(request.Network), context.CancellationToken).ConfigureAwait(false)) };

    public override async Task<GetNetworkXmlResponse> GetNetworkXml(GetNetworkXmlRequest request, ServerCallContext context)
    {
        // Drivers keep one definition per network until networks can be redefined while active, so inactive is the same.
        var network = await driver.LookupNetworkAsync(Requests.Network(request.Network), context.CancellationToken).ConfigureAwait(false);
        return new GetNetworkXmlResponse { Xml = NetworkXml.Format(network.Definition) };
    }
}
