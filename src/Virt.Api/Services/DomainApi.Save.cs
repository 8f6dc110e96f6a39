using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Jobs;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// virsh save and restore (SaveDomain, RestoreDomain: both answer with their job) and save-image-dumpxml/-define
/// (GetSaveImageXml, DefineSaveImageXml) over <see cref="IDomainSaving"/>.
/// </summary>
internal sealed partial class DomainApi
{
    public override async Task<Job> SaveDomain(SaveDomainRequest request, ServerCallContext context)
    {
        var saving = Saving();
        var domain = Requests.Domain(request.Domain);
        RequirePath(request.Path);
        var job = await saving.SaveDomainAsync(domain, request.Path, State(request.State), Options(request.Xml, request.BypassCache) with { ImageFormat = ImageFormat(request.ImageFormat) }, context.CancellationToken).ConfigureAwait(false);
        return await FinishAsync(saving, job, request.Wait, context).ConfigureAwait(false);
    }

    public override async Task<Job> RestoreDomain(RestoreDomainRequest request, ServerCallContext context)
    {
        var saving = Saving();
        RequirePath(request.Path);
        Requests.Unsupported(request.ResetNvram, "reset_nvram", "--reset-nvram");
        var job = await saving.RestoreDomainAsync(request.Path, State(request.State), Options(request.Xml, request.BypassCache), context.CancellationToken).ConfigureAwait(false);
        return await FinishAsync(saving, job, request.Wait, context).ConfigureAwait(false);
    }

    public override async Task<GetSaveImageXmlResponse> GetSaveImageXml(GetSaveImageXmlRequest request, ServerCallContext context)
    {
        RequirePath(request.Path);
        var xml = await Saving().GetSaveImageXmlAsync(request.Path, context.CancellationToken).ConfigureAwait(false);
        return new GetSaveImageXmlResponse { Xml = WithSecretsIf(request.SecurityInfo, xml) };
    }

    public override async Task<DefineSaveImageXmlResponse> DefineSaveImageXml(DefineSaveImageXmlRequest request, ServerCallContext context)
    {
        RequirePath(request.Path);
        var xml = Requests.Xml(request.Xml);
        await Saving().DefineSaveImageXmlAsync(request.Path, xml, State(request.State), context.CancellationToken).ConfigureAwait(false);
        return new DefineSaveImageXmlResponse();
    }

    private static SaveFileOptions Options(string xml, bool bypassCache) =>
        new() { Xml = xml.Length > 0 ? Requests.Xml(xml) : null, BypassCache = bypassCache };

    /// <summary>image_format as given; empty is the driver's default (the driver names what it accepts).</summary>
    private static string? ImageFormat(string imageFormat) => imageFormat.Length > 0 ? imageFormat : null;

    private IDomainSaving Saving() =>
        driver as IDomainSaving ?? throw ApiErrors.Unsupported("domain", $"the {driver.Type} driver cannot save or restore domains.");

    private static void RequirePath(string path)
    {
        if (path.Length == 0 || !Path.IsPathFullyQualified(path))
        {
            throw ApiErrors.InvalidArgument("path", $"The save file must be an absolute path on the daemon's host, not '{path}'.");
        }
    }

    private static SavedGuestState State(RestoreState state) => state switch
    {
        RestoreState.Unspecified => SavedGuestState.AsSaved,
        RestoreState.Running => SavedGuestState.Running,
        RestoreState.Paused => SavedGuestState.Paused,
        _ => throw ApiErrors.InvalidArgument("state", $"{(int)state} is not a restore state (UNSPECIFIED, RUNNING or PAUSED)."),
    };

    /// <summary>The job now, or with <c>wait</c> once it has ended; a job that did not succeed fails the call with its error.</summary>
    private static async Task<Job> FinishAsync(IDomainSaving saving, JobInfo job, bool wait, ServerCallContext context)
    {
        return JobConversion.Job(wait ? await saving.Jobs.WaitForSuccessAsync(job.Id, context.CancellationToken).ConfigureAwait(false) : job);
    }
}
