using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>
/// virsh managedsave, managedsave-remove, managedsave-dumpxml, managedsave-define over
/// <see cref="IDomainManagedSaving"/>; start's force_boot and undefine's managed_save use it too (DomainApi.cs).
/// </summary>
internal sealed partial class DomainApi
{
    public override async Task<Job> ManagedSaveDomain(ManagedSaveDomainRequest request, ServerCallContext context)
    {
        var managed = ManagedSaving();
        var domain = Requests.Domain(request.Domain);
        var job = await managed.ManagedSaveDomainAsync(domain, State(request.State), new SaveFileOptions { BypassCache = request.BypassCache, ImageFormat = ImageFormat(request.ImageFormat) }, context.CancellationToken).ConfigureAwait(false);
        return await FinishAsync(Saving(), job, request.Wait, context).ConfigureAwait(false);
    }

    public override async Task<RemoveManagedSaveResponse> RemoveManagedSave(RemoveManagedSaveRequest request, ServerCallContext context)
    {
        await ManagedSaving().RemoveManagedSaveAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false);
        return new RemoveManagedSaveResponse();
    }

    public override async Task<GetManagedSaveXmlResponse> GetManagedSaveXml(GetManagedSaveXmlRequest request, ServerCallContext context)
    {
        if (request.SecurityInfo && context.GetConnectionInfo().IsReadOnly)
        {
            throw ApiErrors.SecurityInfoReadOnly();
        }
        var xml = await ManagedSaving().GetManagedSaveXmlAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false);
        return new GetManagedSaveXmlResponse { Xml = WithSecretsIf(request.SecurityInfo, xml) };
    }

    public override async Task<DefineManagedSaveXmlResponse> DefineManagedSaveXml(DefineManagedSaveXmlRequest request, ServerCallContext context)
    {
        var domain = Requests.Domain(request.Domain);
        var xml = Requests.Xml(request.Xml);
        await ManagedSaving().DefineManagedSaveXmlAsync(domain, xml, State(request.State), context.CancellationToken).ConfigureAwait(false);
        return new DefineManagedSaveXmlResponse();
    }

    private IDomainManagedSaving ManagedSaving() =>
        driver as IDomainManagedSaving ?? throw ApiErrors.Unsupported("domain", $"the {driver.Type} driver has no managed save.");

    /// <summary>virsh start: with a driver that keeps managed save images, it decides between restoring and booting.</summary>
    private Task<Virt.Driver.DomainSummary> StartAsync(Virt.Driver.DomainRef reference, StartDomainRequest request, CancellationToken cancellationToken) =>
        driver is IDomainManagedSaving managed
            ? managed.StartDomainAsync(reference, request.Paused, request.ForceBoot, request.BypassCache, cancellationToken)
            : driver.StartDomainAsync(reference, request.Paused, cancellationToken);
}
