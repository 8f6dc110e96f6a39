using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// domblkinfo and domcontrol (every driver), and qemu-monitor-command over <see cref="IQemuMonitorCommand"/> (the QEMU
/// driver's: another driver answers libvirt's "this function is not supported by the connection driver").
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
}
