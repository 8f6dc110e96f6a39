using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>attach-device, detach-device and update-device over <see cref="IDomainDevices"/> (virsh domif-setlink sends its interface through update).</summary>
internal sealed partial class DomainApi
{
    public override async Task<AttachDeviceResponse> AttachDevice(AttachDeviceRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var xml = Requests.Xml(request.Xml);
        await Contract<IDomainDevices>(FlagsApi("virDomainAttachDevice", request.Live, request.Config))
            .AttachDeviceAsync(reference, xml, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        // No live attach yet, so no device has a live alias to report.
        return new AttachDeviceResponse();
    }

    public override async Task<DetachDeviceResponse> DetachDevice(DetachDeviceRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        if (request.DeviceCase == DetachDeviceRequest.DeviceOneofCase.Alias)
        {
            // Aliases name the devices of a running guest, and no driver detaches live yet.
            throw ApiErrors.Unsupported("alias", "detaching a device by its alias (detach-device-alias) needs live detach, which no driver does yet; detach it by its XML with config.");
        }
        var xml = Requests.Xml(request.Xml);
        await Contract<IDomainDevices>(FlagsApi("virDomainDetachDevice", request.Live, request.Config))
            .DetachDeviceAsync(reference, xml, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        // A persistent detach is done when it returns.
        return new DetachDeviceResponse { Completed = true };
    }

    /// <summary>
    /// The libvirt call virsh makes: the plain one without flags, the *Flags one with --live or --config (which the
    /// unsupported refusal names).
    /// </summary>
    private static string FlagsApi(string api, bool live, bool config) => live || config ? api + "Flags" : api;

    public override async Task<UpdateDeviceResponse> UpdateDevice(UpdateDeviceRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var xml = Requests.Xml(request.Xml);
        await Contract<IDomainDevices>("virDomainUpdateDeviceFlags")
            .UpdateDeviceAsync(reference, xml, Requests.Modification(request.Live, request.Config), request.Force, context.CancellationToken).ConfigureAwait(false);
        return new UpdateDeviceResponse();
    }
}
