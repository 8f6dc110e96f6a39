using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh qemu-monitor-command and qemu-monitor-event (virsh-domain.c) and domcontrol (virsh-domain-monitor.c): a
/// command for the running QEMU's monitor, wrapped and printed as virsh does, the events QEMU sends on it, and whether
/// that channel is free.
/// </summary>
internal static class MonitorCommands
{
    // virJSONValueToString: no escaping beyond what JSON needs; pretty is two-space indented.
    private static readonly JsonSerializerOptions _compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions _pretty = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static IEnumerable<CommandDef> All() =>
    [
        new("qemu-monitor-command", CommandGroup.Domain, "QEMU Monitor Command", "QEMU Monitor Command",
        [
            Opt.Domain(),
            Opt.Flag("hmp", "command is in human monitor protocol"),
            Opt.Flag("pretty", "pretty-print any qemu monitor protocol output"),
            Opt.Flag("return-value", "extract the value of the 'return' key from the returned string"),
            new("pass-fds", OptionKind.String, "pass file descriptors N,M,... along with the command") { NamedOnly = true },
            new("cmd", OptionKind.Argv, "command", Required: true),
        ], QemuMonitorCommandAsync),
        new("qemu-monitor-event", CommandGroup.Domain, "QEMU Monitor Events", "Listen for QEMU Monitor Events",
        [
            new("domain", OptionKind.String, "filter by domain name, id or uuid"),
            new("event", OptionKind.String, "filter by event name"),
            Opt.Flag("pretty", "pretty-print any JSON output"),
            Opt.Flag("loop", "loop until timeout or interrupt, rather than one-shot"),
            new("timeout", OptionKind.Number, "timeout seconds"),
            Opt.Flag("regex", "treat event as a regex rather than literal filter"),
            Opt.Flag("no-case", "treat event case-insensitively"),
            Opt.Flag("timestamp", "show timestamp for each printed event"),
        ], QemuMonitorEventAsync),
        new("domcontrol", CommandGroup.Monitor, "domain control interface state", "Returns state of a control interface to the domain.",
        [
            Opt.Domain(),
        ], DomControlAsync),
    ];

    private static async Task<bool> QemuMonitorCommandAsync(CommandContext c, CancellationToken ct)
    {
        c.Args.Exclusive("hmp", "pretty");
        c.Args.Exclusive("hmp", "return-value");
        var domain = await Lookup.DomainAsync(c, ct);
        var hmp = c.Args.Bool("hmp");
        var words = c.Args.Argv("cmd");
        var command = hmp ? string.Join(' ', words) : WrapQmp(words);
        if (c.Args.String("pass-fds") is not null)
        {
            throw VshError.Of("--pass-fds is not supported: Virt's API reaches the daemon over gRPC, which carries no file descriptors");
        }
        var connection = await c.ConnectionAsync(ct);
        string reply;
        try
        {
            reply = await connection.QemuMonitorCommandAsync(domain.Domain.Uuid, command, hmp, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        var pretty = c.Args.Bool("pretty");
        var returnValue = c.Args.Bool("return-value");
        JsonNode? parsed = null;
        if (returnValue || pretty)
        {
            parsed = TryParse(reply);
            if (returnValue && parsed is null)
            {
                throw VshError.Of("failed to parse JSON returned by qemu");
            }
        }
        if (parsed is null)
        {
            c.Print(reply + "\n");
            return true;
        }
        var shown = parsed;
        if (returnValue && (parsed is not JsonObject answer || !answer.TryGetPropertyValue("return", out shown)))
        {
            throw VshError.Of("'return' member missing");
        }
        // virsh prints the formatted value without a newline.
        c.Print(shown is null ? "null" : shown.ToJsonString(pretty ? _pretty : _compact));
        return true;
    }

    /// <summary>
    /// virsh's cmdQemuMonitorCommandQMPWrap: words that make a JSON object pass through; otherwise the first word is
    /// the command and the rest its arguments, as an object if they make one, else joined with commas inside braces.
    /// </summary>
    internal static string WrapQmp(IReadOnlyList<string> words)
    {
        var full = string.Join(' ', words);
        if (TryParse(full) is JsonObject)
        {
            return full;
        }
        var command = new JsonObject { ["execute"] = words.Count > 0 ? words[0] : "" };
        if (words.Count > 1)
        {
            var rest = string.Join(' ', words.Skip(1));
            var arguments = TryParse(rest) as JsonObject
                ?? TryParse("{" + string.Join(',', words.Skip(1)) + "}") as JsonObject
                ?? throw VshError.Of($"failed to wrap arguments '{rest}' into a QMP command wrapper");
            command["arguments"] = arguments;
        }
        return command.ToJsonString(_compact);
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<bool> QemuMonitorEventAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var request = new Proto.WatchQemuMonitorEventsRequest { Event = a.String("event") ?? "", Regex = a.Bool("regex"), NoCase = a.Bool("no-case") };
        if (a.Has("domain"))
        {
            request.Domain = new Proto.DomainRef { Uuid = (await Lookup.DomainAsync(c, ct)).Domain.Uuid };
        }
        var timeout = a.TimeoutSeconds();
        var (pretty, timestamp) = (a.Bool("pretty"), a.Bool("timestamp"));
        var connection = await c.ConnectionAsync(ct);
        try
        {
            return await EventLoop.WaitAsync(c, token => connection.WatchQemuMonitorEventsAsync(request, token),
                item => item.KindCase == Proto.WatchQemuMonitorEventsResponse.KindOneofCase.Event ? PrintMonitorEvent(c, item.Event, pretty, timestamp) : Watching(c),
                a.Bool("loop"), timeout, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
    }

    private static int Watching(CommandContext c)
    {
        c.Session.Debug(0, "qemu-monitor-event: watching");
        return 0;
    }

    /// <summary>virshEventQemuPrint: <c>event NAME at SECONDS.MICROS for domain 'NAME': DETAILS</c>, or the local time first with --timestamp.</summary>
    private static int PrintMonitorEvent(CommandContext c, Proto.QemuMonitorEvent e, bool pretty, bool timestamp)
    {
        var details = e.Details.Length == 0 ? null : TryParse(e.Details);
        if (c.Json)
        {
            c.Print(JsonOutput.Document(w =>
            {
                w.WriteString("event", e.Event);
                w.WriteString("domain", e.Domain.Name);
                w.WriteNumber("seconds", e.Seconds);
                w.WriteNumber("microseconds", e.Microseconds);
                w.WritePropertyName("details");
                if (details is null)
                {
                    w.WriteNullValue();
                }
                else
                {
                    details.WriteTo(w);
                }
            }));
        }
        else
        {
            var text = e.Details.Length == 0 ? "<null>" : pretty && details is not null ? details.ToJsonString(_pretty) : e.Details;
            c.Print(timestamp
                ? DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff'+0000: '", CultureInfo.InvariantCulture) + $"event {e.Event} for domain '{e.Domain.Name}': {text}\n"
                : string.Create(CultureInfo.InvariantCulture, $"event {e.Event} at {e.Seconds}.{e.Microseconds:D6} for domain '{e.Domain.Name}': {text}\n"));
        }
        c.Session.Terminal.Out.Flush();
        return 1;
    }

    private static async Task<bool> DomControlAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.GetControlInfoResponse info;
        try
        {
            info = await connection.GetControlInfoAsync(domain.Domain.Uuid, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        var state = info.State switch
        {
            Proto.ControlState.Ok => "ok",
            Proto.ControlState.Job => "background job",
            Proto.ControlState.Occupied => "occupied",
            Proto.ControlState.Error => "error",
            _ => "unknown",
        };
        var reason = info.ErrorReason switch
        {
            Proto.ControlErrorReason.Unknown => "unknown",
            Proto.ControlErrorReason.Monitor => "monitor failure",
            Proto.ControlErrorReason.Internal => "internal (locking) error",
            _ => "",
        };
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("state", state);
                w.WriteString("reason", reason);
                w.WriteNumber("state_time_ms", info.StateTimeMs);
            });
            return true;
        }
        c.Print(info.State switch
        {
            Proto.ControlState.Ok => state + "\n",
            Proto.ControlState.Error => info.ErrorReason > 0 ? $"{state}: {reason}\n" : state + "\n",
            _ => string.Create(CultureInfo.InvariantCulture, $"{state} ({info.StateTimeMs / 1000.0:0.000}s)\n"),
        });
        return true;
    }
}
