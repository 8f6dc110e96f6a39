using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using InterfaceAddressSource = Virt.Protocol.V1.InterfaceAddressSource;

namespace Virt.Api;

/// <summary>
/// domifaddr over <see cref="IDomainInterfaceAddresses"/>. <c>interface</c> keeps the entries whose name or MAC it
/// names; <c>full</c> changes only how virsh prints them, so every entry comes back either way.
/// </summary>
internal sealed partial class DomainApi
{
    public override async Task<GetInterfaceAddressesResponse> GetInterfaceAddresses(GetInterfaceAddressesRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var source = request.Source switch
        {
            InterfaceAddressSource.Lease => Virt.Driver.InterfaceAddressSource.Lease,
            InterfaceAddressSource.Agent => Virt.Driver.InterfaceAddressSource.Agent,
            InterfaceAddressSource.Arp => Virt.Driver.InterfaceAddressSource.Arp,
            _ => throw ApiErrors.InvalidArgument("source", $"Unknown interface address source {(int)request.Source}; the sources are lease, agent and arp."),
        };
        var addresses = driver as IDomainInterfaceAddresses ?? throw new VirtException(VirtErrorReason.OperationUnsupported,
            "this function is not supported by the connection driver: virDomainInterfaceAddresses",
            new Dictionary<string, string> { ["operation"] = "virDomainInterfaceAddresses" });
        var found = await addresses.GetInterfaceAddressesAsync(reference, source, context.CancellationToken).ConfigureAwait(false);
        var response = new GetInterfaceAddressesResponse();
        foreach (var entry in found)
        {
            if (request.Interface.Length > 0 && entry.Name != request.Interface && !string.Equals(entry.MacAddress, request.Interface, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var item = new DomainInterfaceAddresses { Name = entry.Name, Hwaddr = entry.MacAddress };
            item.Addresses.AddRange(entry.Addresses.Select(a => new IpAddress
            {
                Type = a.IsIPv6 ? IpAddressType.Ipv6 : IpAddressType.Ipv4,
                Address = a.Address,
                Prefix = a.Prefix,
            }));
            response.Interfaces.Add(item);
        }
        return response;
    }
}
