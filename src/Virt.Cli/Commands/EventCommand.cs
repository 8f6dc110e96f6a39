using System.Globalization;
using System.Text.Json;
using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// <c>event</c> (tools/virsh-domain-event.c cmdEvent): wait for domain events and print them as virsh does,
/// <c>event 'lifecycle' for domain 'x': Defined Added</c>, through <see cref="EventLoop"/> (virsh's wait, its
/// endings and its count), filtered on the server by family and domain.
/// </summary>
internal static class EventCommand
{
    // virshDomainEventCallbacks, in virsh's order (event --list prints them).
    private static readonly string[] _names =
    [
        "lifecycle", "reboot", "rtc-change", "watchdog", "io-error", "graphics", "io-error-reason", "control-error",
        "block-job", "disk-change", "tray-change", "pm-wakeup", "pm-suspend", "balloon-change", "pm-suspend-disk",
        "device-removed", "block-job-2", "tunable", "agent-lifecycle", "device-added", "migration-iteration",
        "job-completed", "device-removal-failed", "metadata-change", "block-threshold", "memory-failure",
        "memory-device-size-change", "nic-mac-change",
    ];

    private static readonly string[] _types = ["Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped", "Shutdown", "PMSuspended", "Crashed"];

    private static readonly string[][] _details =
    [
        ["Added", "Updated", "Renamed", "Snapshot"],
        ["Removed", "Renamed"],
        ["Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"],
        ["Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy", "Post-copy Error"],
        ["Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"],
        ["Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"],
        ["Finished", "Finished after guest request", "Finished after host request"],
        ["Memory", "Disk"],
        ["Panicked", "Crashloaded"],
    ];

    private static readonly string[] _watchdog = ["none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi"];

    private static readonly string[] _ioError = ["none", "pause", "report"];

    private static readonly string[] _metadataTypes = ["description", "title", "element"];

    public static CommandDef Definition() =>
        new("event", CommandGroup.Events, "Domain Events", "List event types, or wait for domain events to occur",
        [
            new("domain", OptionKind.String, "filter by domain name, id or uuid"),
            new("event", OptionKind.String, "which event type to wait for"),
            Opt.Flag("all", "wait for all events instead of just one type"),
            Opt.Flag("loop", "loop until timeout or interrupt, rather than one-shot"),
            new("timeout", OptionKind.Number, "timeout seconds"),
            Opt.Flag("list", "list valid event types"),
            Opt.Flag("timestamp", "show timestamp for each printed event"),
        ], EventAsync);

    private static async Task<bool> EventAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        a.Exclusive("all", "event");
        a.Exclusive("list", "all");
        a.Exclusive("list", "event");
        if (a.Bool("list"))
        {
            return EventLoop.PrintTypes(c, _names);
        }

        var eventName = a.String("event");
        if (eventName is null && !a.Bool("all"))
        {
            throw VshError.Of("one of --list, --all, or --event <type> is required");
        }

        if (eventName is not null && !_names.Contains(eventName))
        {
            throw VshError.Of($"unknown event type {eventName}");
        }

        var timeout = a.TimeoutSeconds();
        var loop = a.Bool("loop");
        var timestamp = a.Bool("timestamp");
        var request = new Proto.SubscribeRequest();
        request.Families.AddRange(Families(eventName));
        if (a.Has("domain"))
        {
            var domain = await Lookup.DomainAsync(c, ct);
            request.Domains.Add(new Proto.DomainRef { Uuid = domain.Domain.Uuid });
        }

        return await EventLoop.RunAsync(c, request, new EventLoop.Printer(Describe, WritePayload), eventName, loop, timestamp, timeout, ct);
    }

    /// <summary>The virsh callbacks an event triggers, each with its text (an I/O error triggers two).</summary>
    internal static IEnumerable<(string Name, string Text)> Describe(Proto.Event e)
    {
        switch (e.PayloadCase)
        {
            case Proto.Event.PayloadOneofCase.DomainLifecycle:
                var l = e.DomainLifecycle;
                yield return ("lifecycle", $"event 'lifecycle' for domain '{l.Domain.Name}': {TypeText((int)l.Type)} {DetailText((int)l.Type, l.Detail)}\n");
                break;
            case Proto.Event.PayloadOneofCase.DomainReboot:
                yield return ("reboot", $"event 'reboot' for domain '{e.DomainReboot.Domain.Name}'\n");
                break;
            case Proto.Event.PayloadOneofCase.DomainWatchdog:
                var wd = e.DomainWatchdog;
                yield return ("watchdog", $"event 'watchdog' for domain '{wd.Domain.Name}': {Pick(_watchdog, (int)wd.Action)}\n");
                break;
            case Proto.Event.PayloadOneofCase.DomainIoError:
                var io = e.DomainIoError;
                var action = Pick(_ioError, (int)io.Action);
                yield return ("io-error", $"event 'io-error' for domain '{io.Domain.Name}': {io.SrcPath} ({io.DeviceAlias}) {action}\n");
                yield return ("io-error-reason", $"event 'io-error' for domain '{io.Domain.Name}': {io.SrcPath} ({io.DeviceAlias}) {action} due to {io.Reason}\n");
                break;
            case Proto.Event.PayloadOneofCase.DomainBalloonChange:
                var b = e.DomainBalloonChange;
                yield return ("balloon-change", string.Create(CultureInfo.InvariantCulture, $"event 'balloon-change' for domain '{b.Domain.Name}': {b.ActualKib}KiB\n"));
                break;
            case Proto.Event.PayloadOneofCase.DomainDevice:
                var d = e.DomainDevice;
                var kind = d.Type switch
                {
                    Proto.DeviceEventType.Added => "device-added",
                    Proto.DeviceEventType.Removed => "device-removed",
                    Proto.DeviceEventType.RemovalFailed => "device-removal-failed",
                    _ => null,
                };
                if (kind is not null)
                {
                    yield return (kind, $"event '{kind}' for domain '{d.Domain.Name}': {d.DeviceAlias}\n");
                }

                break;
            case Proto.Event.PayloadOneofCase.DomainDefinitionChanged:
                var m = e.DomainDefinitionChanged;
                if (m.Change == Proto.DefinitionChange.Metadata)
                {
                    var uri = string.IsNullOrEmpty(m.MetadataUri) ? "<null>" : m.MetadataUri;
                    yield return ("metadata-change", $"event 'metadata-change' for domain '{m.Domain.Name}': type {Pick(_metadataTypes, (int)m.MetadataType, "unsupported value")}, uri {uri}\n");
                }
                else if (m.Change == Proto.DefinitionChange.Autostart)
                {
                    // libvirt has no event for this; vsh shows Virt's under a name virsh's --event never selects, so only --all prints it.
                    yield return ("definition-change", $"event 'definition-change' for domain '{m.Domain.Name}': autostart\n");
                }

                break;
            default:
                break;
        }
    }

    // The families the server should send for the requested virsh event type (all domain families for --all).
    private static IEnumerable<Proto.EventFamily> Families(string? eventName) => eventName switch
    {
        null =>
        [
            Proto.EventFamily.DomainLifecycle, Proto.EventFamily.DomainDefinitionChanged, Proto.EventFamily.DomainReboot,
            Proto.EventFamily.DomainWatchdog, Proto.EventFamily.DomainIoError, Proto.EventFamily.DomainBalloonChange,
            Proto.EventFamily.DomainDevice,
        ],
        "lifecycle" => [Proto.EventFamily.DomainLifecycle],
        "reboot" => [Proto.EventFamily.DomainReboot],
        "watchdog" => [Proto.EventFamily.DomainWatchdog],
        "io-error" or "io-error-reason" => [Proto.EventFamily.DomainIoError],
        "balloon-change" => [Proto.EventFamily.DomainBalloonChange],
        "device-added" or "device-removed" or "device-removal-failed" => [Proto.EventFamily.DomainDevice],
        "metadata-change" => [Proto.EventFamily.DomainDefinitionChanged],
        // Types this product never raises (graphics, block jobs, ...): wait on lifecycle, which they filter out.
        _ => [Proto.EventFamily.DomainLifecycle],
    };

    private static void WritePayload(Utf8JsonWriter w, Proto.Event e)
    {
        switch (e.PayloadCase)
        {
            case Proto.Event.PayloadOneofCase.DomainLifecycle:
                var l = e.DomainLifecycle;
                w.WriteDomain("domain", l.Domain);
                w.WriteString("type", TypeText((int)l.Type));
                w.WriteString("detail", DetailText((int)l.Type, l.Detail));
                w.WriteNumber("type_code", (int)l.Type);
                w.WriteNumber("detail_code", l.Detail);
                w.WriteState(l.Status);
                break;
            case Proto.Event.PayloadOneofCase.DomainReboot:
                w.WriteDomain("domain", e.DomainReboot.Domain);
                break;
            case Proto.Event.PayloadOneofCase.DomainWatchdog:
                w.WriteDomain("domain", e.DomainWatchdog.Domain);
                w.WriteString("action", Pick(_watchdog, (int)e.DomainWatchdog.Action));
                break;
            case Proto.Event.PayloadOneofCase.DomainIoError:
                w.WriteDomain("domain", e.DomainIoError.Domain);
                w.WriteString("src_path", e.DomainIoError.SrcPath);
                w.WriteString("device_alias", e.DomainIoError.DeviceAlias);
                w.WriteString("action", Pick(_ioError, (int)e.DomainIoError.Action));
                w.WriteString("reason", e.DomainIoError.Reason);
                break;
            case Proto.Event.PayloadOneofCase.DomainBalloonChange:
                w.WriteDomain("domain", e.DomainBalloonChange.Domain);
                w.WriteNumber("actual_kib", e.DomainBalloonChange.ActualKib);
                break;
            case Proto.Event.PayloadOneofCase.DomainDevice:
                w.WriteDomain("domain", e.DomainDevice.Domain);
                w.WriteString("device_alias", e.DomainDevice.DeviceAlias);
                break;
            case Proto.Event.PayloadOneofCase.DomainDefinitionChanged:
                w.WriteDomain("domain", e.DomainDefinitionChanged.Domain);
                w.WriteString("change", e.DomainDefinitionChanged.Change == Proto.DefinitionChange.Autostart ? "autostart" : "metadata");
                w.WriteString("metadata_type", Pick(_metadataTypes, (int)e.DomainDefinitionChanged.MetadataType));
                w.WriteString("metadata_uri", e.DomainDefinitionChanged.MetadataUri);
                break;
            default:
                break;
        }
    }

    private static string TypeText(int type) => Pick(_types, type);

    private static string DetailText(int type, int detail) => type >= 0 && type < _details.Length ? Pick(_details[type], detail) : "unknown";

    private static string Pick(string[] names, int index, string unknown = "unknown") =>
        index >= 0 && index < names.Length ? names[index] : unknown;
}
