using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// virsh qemu-monitor-command and domcontrol: a command passed through to QEMU's monitor as the operator wrote it
/// (through the worker, which owns the monitor), and the state of that channel.
/// </summary>
public sealed partial class QemuDomainDriver : IQemuMonitorCommand
{
    // The members a QMP command object may have ("exec-oob" is not one: the worker does not negotiate out-of-band execution).
    private static readonly string[] _commandMembers = ["execute", "arguments", "id"];

    // QEMU writes its replies with no escaping beyond what JSON needs.
    private static readonly JsonSerializerOptions _replyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // How long domcontrol waits for the worker before it calls the channel failed.
    private static readonly TimeSpan _controlProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<string> QemuMonitorCommandAsync(DomainRef domain, string command, bool hmp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var guest = RequireGuest(current, "send a monitor command to");
        var (execute, arguments, id) = hmp
            ? ("human-monitor-command", new JsonObject { ["command-line"] = command }, null)
            : ParseQmpCommand(current.Name, command);
        if (guest.TryMarkTainted())
        {
            Taint(current, guest);
        }
        var (_, reply) = await QmpReplyAsync(current.Uuid, execute, arguments, cancellationToken).ConfigureAwait(false);
        var refused = reply.ResultCase == QmpReply.ResultOneofCase.Error;
        if (hmp)
        {
            return refused
                ? throw new VirtException(VirtErrorReason.HypervisorError, reply.Error.QmpClass == "CommandNotFound"
                    ? $"internal error: Human monitor command is not available to run {command}"
                    : $"internal error: unable to execute QEMU command 'human-monitor-command': {QemuWords(reply.Error)}",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["qmpClass"] = reply.Error.QmpClass })
                : JsonNode.Parse(reply.ReturnJson)?.GetValue<string>() ?? "";
        }
        // QEMU's reply object, in QEMU's order: {"return": ..., "id": ...} or {"id": ..., "error": {...}}.
        var answer = new JsonObject();
        if (refused)
        {
            AddId(answer, id);
            answer["error"] = new JsonObject { ["class"] = reply.Error.QmpClass, ["desc"] = QemuWords(reply.Error) };
        }
        else
        {
            answer["return"] = JsonNode.Parse(reply.ReturnJson);
            AddId(answer, id);
        }
        return answer.ToJsonString(_replyJson);
    }

    public async Task<DomainControlInfo> GetControlInfoAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var guest = RequireGuest(current, "query the control channel of");
        if (_jobs.ActiveOn(current.Uuid) is { } job)
        {
            return new DomainControlInfo(DomainControlState.Job, DomainControlError.None, DateTimeOffset.UtcNow - (job.StartTime ?? job.CreateTime));
        }
        if (guest.MonitorBusySince is { } since)
        {
            return new DomainControlInfo(DomainControlState.Occupied, DomainControlError.None, DateTimeOffset.UtcNow - since);
        }
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(_controlProbeTimeout);
        try
        {
            var status = (await VmmClient.CallAsync(guest.Paths.ControlSocket, new() { Status = new() }, probe.Token).ConfigureAwait(false)).Status;
            return status is null || status.HasQemuExit ? DomainControlInfo.MonitorFailure : DomainControlInfo.Ok;
        }
        catch (Exception e) when (e is VmmUnreachableException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return DomainControlInfo.MonitorFailure;
        }
    }

    /// <summary>A QMP command object: its command, its arguments and the id to echo; anything else is refused before QEMU sees it.</summary>
    private static (string Execute, JsonObject? Arguments, JsonNode? Id) ParseQmpCommand(string domain, string command)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(command);
        }
        catch (JsonException e)
        {
            throw BadCommand(domain, $"The monitor command is not JSON ({e.Message}): give a QMP command object such as {{\"execute\": \"query-status\"}}, or a human monitor command with --hmp.");
        }
        if (parsed is not JsonObject obj)
        {
            throw BadCommand(domain, "The monitor command must be a QMP command object such as {\"execute\": \"query-status\"}.");
        }
        if (obj.FirstOrDefault(p => !_commandMembers.Contains(p.Key)) is { Key: { } unexpected })
        {
            throw BadCommand(domain, $"QMP input member '{unexpected}' is unexpected: a command object has 'execute', 'arguments' and 'id'.");
        }
        if (obj["execute"] is not JsonValue execute || !execute.TryGetValue<string>(out var name) || name.Length == 0)
        {
            throw BadCommand(domain, "QMP input lacks member 'execute': name the command as a string.");
        }
        if (obj["arguments"] is { } arguments && arguments is not JsonObject)
        {
            throw BadCommand(domain, "QMP input member 'arguments' must be an object.");
        }
        return (name, obj["arguments"]?.DeepClone() as JsonObject, obj["id"]?.DeepClone());
    }

    // QEMU's own description of an error; a worker from before WorkerError.qmp_description has it only inside its message.
    private static string QemuWords(WorkerError error) => error.QmpDescription.Length > 0 ? error.QmpDescription : error.Message;

    private static void AddId(JsonObject answer, JsonNode? id)
    {
        if (id is not null)
        {
            answer["id"] = id;
        }
    }

    private static VirtException BadCommand(string domain, string message) =>
        new(VirtErrorReason.InvalidArgument, message, new Dictionary<string, string> { ["domain"] = domain });

    /// <summary>libvirt's taint: a warning in virtd's log and a line in the domain's log, once per run.</summary>
    private void Taint(DomainSummary current, RunningGuest guest)
    {
        QemuDriverLog.TaintedByMonitorCommand(_logger, current.Id, current.Name, current.Uuid);
        try
        {
            File.AppendAllText(guest.Paths.LogFile,
                $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff}+0000: Domain id={current.Id} is tainted: custom-monitor\n");
        }
        catch (IOException)
        {
            // The daemon's log has it; a domain log that cannot be written does not stop the command.
        }
    }
}
