using System.Text.RegularExpressions;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// domblkinfo and domcontrol (every driver), and qemu-monitor-command and qemu-monitor-event over
/// <see cref="IQemuMonitorCommand"/> and <see cref="IQemuMonitorEvents"/> (the QEMU driver's: another driver answers
/// libvirt's "this function is not supported by the connection driver").
/// </summary>
internal sealed partial class DomainApi
{
    public override async Task<GetBlockInfoResponse> GetBlockInfo(GetBlockInfoRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        if (request.Device.Length == 0)
        {
            throw ApiErrors.InvalidArgument("device", "Name the disk: its target (vda) or its source path.");
        }
        var info = await driver.GetBlockInfoAsync(reference, request.Device, context.CancellationToken).ConfigureAwait(false);
        return new GetBlockInfoResponse { CapacityBytes = info.Capacity, AllocationBytes = info.Allocation, PhysicalBytes = info.Physical };
    }

    public override async Task<GetControlInfoResponse> GetControlInfo(GetControlInfoRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var info = await driver.GetControlInfoAsync(reference, context.CancellationToken).ConfigureAwait(false);
        return new GetControlInfoResponse
        {
            State = (ControlState)(int)info.State,
            ErrorReason = (ControlErrorReason)(int)info.Error,
            StateTimeMs = (ulong)Math.Max(0, info.StateTime.TotalMilliseconds),
        };
    }

    public override async Task<QemuMonitorCommandResponse> QemuMonitorCommand(QemuMonitorCommandRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        if (request.Command.Trim().Length == 0)
        {
            throw ApiErrors.InvalidArgument("command", "Give the command: a QMP command object, or with hmp a human monitor command line.");
        }
        var reply = await Contract<IQemuMonitorCommand>("virDomainQemuMonitorCommand")
            .QemuMonitorCommandAsync(reference, request.Command, request.Hmp, context.CancellationToken).ConfigureAwait(false);
        return new QemuMonitorCommandResponse { Reply = reply };
    }

    public override async Task WatchQemuMonitorEvents(WatchQemuMonitorEventsRequest request, IServerStreamWriter<WatchQemuMonitorEventsResponse> responseStream, ServerCallContext context)
    {
        var matches = MonitorEventFilter(request);
        var events = Contract<IQemuMonitorEvents>("virConnectDomainQemuMonitorEventRegister");
        Guid? domain = request.Domain is null
            ? null
            : (await driver.LookupDomainAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false)).Uuid;
        using var watch = events.WatchQemuMonitorEvents(domain);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        try
        {
            await responseStream.WriteAsync(new WatchQemuMonitorEventsResponse { Watching = new QemuMonitorWatching() }, end.Token).ConfigureAwait(false);
            await foreach (var recorded in watch.Events.ReadAllAsync(end.Token).ConfigureAwait(false))
            {
                if (matches(recorded.Name))
                {
                    await responseStream.WriteAsync(new WatchQemuMonitorEventsResponse { Event = ToProto.MonitorEvent(recorded) }, end.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // virtd is stopping: the watch ends without an error, as libvirt's event callbacks end with the connection.
        }
    }

    /// <summary>libvirt's event filter: the name as given, or with regex found anywhere in it; no_case for either.</summary>
    private static Func<string, bool> MonitorEventFilter(WatchQemuMonitorEventsRequest request)
    {
        if (request.Event.Length == 0)
        {
            return request.Regex || request.NoCase
                ? throw ApiErrors.InvalidArgument(request.Regex ? "regex" : "no_case", "regex and no_case say how event matches: set event too.")
                : _ => true;
        }
        if (!request.Regex)
        {
            var comparison = request.NoCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return name => string.Equals(name, request.Event, comparison);
        }
        try
        {
            var options = RegexOptions.CultureInvariant | (request.NoCase ? RegexOptions.IgnoreCase : RegexOptions.None);
            return new Regex(request.Event, options, TimeSpan.FromSeconds(1)).IsMatch;
        }
        catch (ArgumentException e)
        {
            throw ApiErrors.InvalidArgument("event", $"event is not a valid regular expression: {e.Message}");
        }
    }
}
