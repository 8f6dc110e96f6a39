using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>update-device over <see cref="IDomainDevices"/> (virsh domif-setlink sends its interface through it).</summary>
internal sealed partial class DomainApi
{
    public override async Task<UpdateDeviceResponse> UpdateDevice(UpdateDeviceRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var xml = Requests.Xml(request.Xml);
        await Contract<IDomainDevices>("virDomainUpdateDeviceFlags")
            .UpdateDeviceAsync(reference, xml, Requests.Modification(request.Live, request.Config), request.Force, context.CancellationToken).ConfigureAwait(false);
        return new UpdateDeviceResponse();
    }
}
