using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>virsh managedsave and its family, start's and undefine's managed-save options, and save-image-dumpxml/-define.</summary>
public sealed partial class VirtConnection
{
    /// <summary>virsh managedsave: starts a MANAGED_SAVE job (ended when <c>wait</c> was set).</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="request">State and wait; its domain is filled in.</param>
    /// <param name="ct">Cancels the call (not the job: use domjobabort).</param>
    public Task<Job> ManagedSaveDomainAsync(string domain, ManagedSaveDomainRequest request, CancellationToken ct = default) =>
        ByDomainAsync(domain, request, (call, r) => call.Domain = r, call => Domains.ManagedSaveDomainAsync(call, cancellationToken: ct));

    /// <summary>virsh managedsave-remove.</summary>
    public Task RemoveManagedSaveAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.RemoveManagedSaveAsync(new RemoveManagedSaveRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh managedsave-dumpxml [--security-info].</summary>
    public async Task<string> GetManagedSaveXmlAsync(string domain, bool securityInfo = false, CancellationToken ct = default) =>
        (await ByDomainAsync(domain, r => Domains.GetManagedSaveXmlAsync(new GetManagedSaveXmlRequest { Domain = r, SecurityInfo = securityInfo }, cancellationToken: ct)).ConfigureAwait(false)).Xml;

    /// <summary>virsh managedsave-define [--running|--paused].</summary>
    public Task DefineManagedSaveXmlAsync(string domain, string xml, RestoreState state = RestoreState.Unspecified, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.DefineManagedSaveXmlAsync(new DefineManagedSaveXmlRequest { Domain = r, Xml = xml ?? "", State = state }, cancellationToken: ct));

    /// <summary>virsh start with all its options (--paused, --force-boot, ...); its domain is filled in.</summary>
    public Task<StartDomainResponse> StartDomainAsync(string domain, StartDomainRequest request, CancellationToken ct = default) =>
        ByDomainAsync(domain, request, (call, r) => call.Domain = r, call => DomainsFor(call.Autodestroy).StartDomainAsync(call, cancellationToken: ct));

    /// <summary>virsh undefine with all its options (--managed-save, ...); its domain is filled in.</summary>
    public Task<UndefineDomainResponse> UndefineDomainAsync(string domain, UndefineDomainRequest request, CancellationToken ct = default) =>
        ByDomainAsync(domain, request, (call, r) => call.Domain = r, call => Domains.UndefineDomainAsync(call, cancellationToken: ct));

    /// <summary>virsh save-image-dumpxml: the XML in a save image on the daemon's host.</summary>
    public async Task<string> GetSaveImageXmlAsync(string path, bool securityInfo = false, CancellationToken ct = default) =>
        (await CallAsync(() => Domains.GetSaveImageXmlAsync(new GetSaveImageXmlRequest { Path = path ?? "", SecurityInfo = securityInfo }, cancellationToken: ct)).ConfigureAwait(false)).Xml;

    /// <summary>virsh save-image-define: replaces the XML in a save image on the daemon's host.</summary>
    public Task DefineSaveImageXmlAsync(string path, string xml, RestoreState state = RestoreState.Unspecified, CancellationToken ct = default) =>
        CallAsync(() => Domains.DefineSaveImageXmlAsync(new DefineSaveImageXmlRequest { Path = path ?? "", Xml = xml ?? "", State = state }, cancellationToken: ct));
}
