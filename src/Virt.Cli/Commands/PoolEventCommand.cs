using System.Text.Json;
using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// <c>pool-event</c> (tools/virsh-pool.c cmdPoolEvent): wait for storage pool events and print them as virsh does,
/// <c>event 'lifecycle' for storage pool default: Started</c> and <c>event 'refresh' for storage pool default</c>.
/// One deliberate difference: virsh waits on every pool when <c>--pool</c> names none that exists (it prints the
/// lookup error and carries on); vsh stops with that error instead of waiting on events nobody asked for.
/// </summary>
internal static class PoolEventCommand
{
    // virshPoolEventCallbacks, in virsh's order (pool-event --list prints them).
    private static readonly string[] _names = ["lifecycle", "refresh"];

    // virshPoolEvent: libvirt's virStoragePoolEventLifecycleType, in order.
    private static readonly string[] _types = ["Defined", "Undefined", "Started", "Stopped", "Created", "Deleted"];

    public static CommandDef Definition() =>
        new("pool-event", CommandGroup.Pool, "Storage Pool Events", "List event types, or wait for storage pool events to occur",
        [
            new("pool", OptionKind.String, "filter by storage pool name or uuid"),
            new("event", OptionKind.String, "which event type to wait for"),
            Opt.Flag("loop", "loop until timeout or interrupt, rather than one-shot"),
            new("timeout", OptionKind.Number, "timeout seconds"),
            Opt.Flag("list", "list valid event types"),
            Opt.Flag("timestamp", "show timestamp for each printed event"),
        ], PoolEventAsync);

    private static async Task<bool> PoolEventAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        if (a.Bool("list"))
        {
            return EventLoop.PrintTypes(c, _names);
        }

        var eventName = a.String("event") ?? throw VshError.Of("either --list or --event <type> is required");
        if (!_names.Contains(eventName))
        {
            throw VshError.Of($"unknown event type {eventName}");
        }

        var timeout = a.TimeoutSeconds();
        var request = new Proto.SubscribeRequest();
        request.Families.Add(eventName == "refresh" ? Proto.EventFamily.PoolRefresh : Proto.EventFamily.PoolLifecycle);
        if (a.Has("pool"))
        {
            var pool = await PoolCommands.LookupAsync(c, ct);
            request.Pools.Add(new Proto.PoolRef { Uuid = pool.Pool.Uuid });
        }

        return await EventLoop.RunAsync(c, request, new EventLoop.Printer(Describe, WritePayload), eventName, a.Bool("loop"), a.Bool("timestamp"), timeout, ct);
    }

    /// <summary>The virsh callback a pool event triggers, with its text.</summary>
    internal static IEnumerable<(string Name, string Text)> Describe(Proto.Event e)
    {
        switch (e.PayloadCase)
        {
            case Proto.Event.PayloadOneofCase.PoolLifecycle:
                yield return ("lifecycle", $"event 'lifecycle' for storage pool {e.PoolLifecycle.Pool.Name}: {TypeText(e.PoolLifecycle.Type)}\n");
                break;
            case Proto.Event.PayloadOneofCase.PoolRefresh:
                yield return ("refresh", $"event 'refresh' for storage pool {e.PoolRefresh.Pool.Name}\n");
                break;
            default:
                break;
        }
    }

    private static void WritePayload(Utf8JsonWriter w, Proto.Event e)
    {
        var pool = e.PayloadCase == Proto.Event.PayloadOneofCase.PoolLifecycle ? e.PoolLifecycle.Pool : e.PoolRefresh.Pool;
        w.WriteString("pool", pool.Name);
        w.WriteString("uuid", pool.Uuid);
        if (e.PayloadCase == Proto.Event.PayloadOneofCase.PoolLifecycle)
        {
            w.WriteString("type", TypeText(e.PoolLifecycle.Type));
            w.WriteNumber("type_code", (int)e.PoolLifecycle.Type);
        }
    }

    private static string TypeText(Proto.PoolEventType type) => (int)type is var i && i >= 0 && i < _types.Length ? _types[i] : "unknown";
}
