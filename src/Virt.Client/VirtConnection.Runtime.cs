using System.Runtime.CompilerServices;
using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>Resources and statistics of running guests: typed calls over DomainService (setmem, vcpupin, domstats, …).</summary>
public sealed partial class VirtConnection
{
    /// <summary>Any unary DomainService call on one domain, naming it virsh's way (id, UUID, then name), with errors as <see cref="VirtClientException"/>.</summary>
    /// <typeparam name="T">The reply type.</typeparam>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="call">Starts the call with the reference.</param>
    /// <returns>The reply.</returns>
    public Task<T> DomainCallAsync<T>(string domain, Func<DomainService.DomainServiceClient, Virt.Protocol.V1.DomainRef, AsyncUnaryCall<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return ByDomainAsync(domain, r => call(Domains, r));
    }

    /// <summary>virsh setmem: the current memory in KiB (the balloon target when live).</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="memoryKiB">The new size.</param>
    /// <param name="live">--live.</param>
    /// <param name="config">--config (neither: --current).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>When done.</returns>
    public Task SetMemoryAsync(string domain, ulong memoryKiB, bool live = false, bool config = false, CancellationToken ct = default) =>
        DomainCallAsync(domain, (d, r) => d.SetMemoryAsync(new SetMemoryRequest { Domain = r, MemoryKib = memoryKiB, Live = live, Config = config }, cancellationToken: ct));

    /// <summary>virsh vcpupin DOMAIN VCPU CPULIST.</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="vcpu">The vCPU.</param>
    /// <param name="hostCpus">The host CPUs it may run on.</param>
    /// <param name="live">--live.</param>
    /// <param name="config">--config (neither: --current).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>When done.</returns>
    public Task PinVcpuAsync(string domain, uint vcpu, IEnumerable<uint> hostCpus, bool live = false, bool config = false, CancellationToken ct = default)
    {
        var request = new PinVcpuRequest { Vcpu = vcpu, Live = live, Config = config };
        request.HostCpus.AddRange(hostCpus);
        return DomainCallAsync(domain, (d, r) =>
        {
            request.Domain = r;
            return d.PinVcpuAsync(request, cancellationToken: ct);
        });
    }

    /// <summary>virsh domblkinfo: one disk's capacity, allocation and physical size in bytes.</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="device">The disk's target (vda) or source path.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The sizes.</returns>
    public Task<GetBlockInfoResponse> GetBlockInfoAsync(string domain, string device, CancellationToken ct = default) =>
        DomainCallAsync(domain, (d, r) => d.GetBlockInfoAsync(new GetBlockInfoRequest { Domain = r, Device = device }, cancellationToken: ct));

    /// <summary>virsh domcontrol: whether a running domain's control channel is free, busy with a job, or failed.</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The state, an error's reason and how long the state has lasted.</returns>
    public Task<GetControlInfoResponse> GetControlInfoAsync(string domain, CancellationToken ct = default) =>
        DomainCallAsync(domain, (d, r) => d.GetControlInfoAsync(new GetControlInfoRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh qemu-monitor-command: QEMU's reply to a QMP command object (a refusal is a reply), or with <paramref name="hmp"/> a human monitor command's text.</summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="command">The QMP command object as JSON, or the human monitor command line.</param>
    /// <param name="hmp">--hmp.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The reply.</returns>
    public async Task<string> QemuMonitorCommandAsync(string domain, string command, bool hmp = false, CancellationToken ct = default) =>
        (await DomainCallAsync(domain, (d, r) => d.QemuMonitorCommandAsync(new QemuMonitorCommandRequest { Domain = r, Command = command, Hmp = hmp }, cancellationToken: ct)).ConfigureAwait(false)).Reply;

    /// <summary>virsh qemu-monitor-event: the watch's messages (<c>watching</c> first, then the events) until <paramref name="ct"/> ends it.</summary>
    /// <param name="request">The domain (unset: all) and the event filter.</param>
    /// <param name="ct">Ends the watch.</param>
    /// <returns>The messages; a failure of the call is a <see cref="VirtClientException"/>.</returns>
    public async IAsyncEnumerable<WatchQemuMonitorEventsResponse> WatchQemuMonitorEventsAsync(WatchQemuMonitorEventsRequest request, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var call = Domains.WatchQemuMonitorEvents(request, cancellationToken: ct);
        while (true)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                throw VirtClientException.From(e);
            }
            yield return call.ResponseStream.Current;
        }
    }

    /// <summary>virsh domstats: the records of the named domains (none: every domain the filter selects).</summary>
    /// <param name="request">Groups, domains and filter.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>One record per domain.</returns>
    public async Task<IReadOnlyList<DomainStatsRecord>> GetDomainStatsAsync(GetDomainStatsRequest request, CancellationToken ct = default) =>
        (await CallAsync(() => Domains.GetDomainStatsAsync(request, cancellationToken: ct)).ConfigureAwait(false)).Records;

    /// <summary>
    /// virsh screenshot: the image of screen <paramref name="screen"/> of a running domain, written to the stream
    /// <paramref name="openTarget"/> returns once the image's MIME type is known (virsh names its file after it).
    /// </summary>
    /// <param name="domain">Id, UUID or name.</param>
    /// <param name="screen">The screen (0: the primary display).</param>
    /// <param name="openTarget">Given the MIME type, opens where the bytes go; the caller disposes it.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The MIME type ("image/png" or "image/x-portable-pixmap").</returns>
    public async Task<string> TakeScreenshotAsync(string domain, uint screen, Func<string, Stream> openTarget, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(openTarget);
        var lookup = await LookupDomainAsync(domain, ct).ConfigureAwait(false);
        try
        {
            using var call = Domains.TakeScreenshot(new TakeScreenshotRequest { Domain = new Virt.Protocol.V1.DomainRef { Uuid = lookup.Domain.Uuid }, Screen = screen }, cancellationToken: ct);
            string? mime = null;
            Stream? target = null;
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                var message = call.ResponseStream.Current;
                if (target is null)
                {
                    mime = message.MimeType;
                    target = openTarget(mime);
                }
                await target.WriteAsync(message.Data.Memory, ct).ConfigureAwait(false);
            }
            if (target is null || mime is null)
            {
                throw VirtClientException.Local(StatusCode.Internal, ErrorReason.Internal, "The screenshot ended without any image data.");
            }
            await target.FlushAsync(ct).ConfigureAwait(false);
            return mime;
        }
        catch (RpcException e)
        {
            throw VirtClientException.From(e);
        }
    }
}
