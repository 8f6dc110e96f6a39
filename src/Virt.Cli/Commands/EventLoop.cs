using System.Globalization;
using System.Text.Json;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh's event wait (vshEventStart/vshEventWait), shared by <c>event</c>, <c>pool-event</c> and
/// <c>qemu-monitor-event</c> (<see cref="WaitAsync"/>, over its own stream): print each event the
/// printer describes until the first one (or with <c>--loop</c> until the timeout or Ctrl-C), then
/// <c>events received: N</c>. It succeeds only if at least one event arrived. Events come from the API's feed,
/// subscribed from "now" (no replay), filtered on the server by the request's families and objects.
/// </summary>
internal static class EventLoop
{
    /// <summary>How one command names and shows events: the virsh callbacks an event triggers with their text, and its JSON fields.</summary>
    public sealed record Printer(Func<Proto.Event, IEnumerable<(string Name, string Text)>> Describe, Action<Utf8JsonWriter, Proto.Event> WritePayload);

    private enum Ending
    {
        Done,
        Timeout,
        Interrupt,
    }

    /// <summary>--list: the command's event types, one per line (or one JSON array).</summary>
    public static bool PrintTypes(CommandContext c, IReadOnlyList<string> names)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("events");
                foreach (var name in names)
                {
                    w.WriteStringValue(name);
                }

                w.WriteEndArray();
            });
        }
        else
        {
            c.Print(string.Concat(names.Select(n => n + "\n")));
        }

        return true;
    }

    /// <summary>Subscribes with <paramref name="request"/> and prints what arrives; <paramref name="eventName"/> is the one callback to print (--event), null for all.</summary>
    public static async Task<bool> RunAsync(CommandContext c, Proto.SubscribeRequest request, Printer printer, string? eventName, bool loop, bool timestamp, TimeSpan? timeout, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        return await WaitAsync(c, token => connection.SubscribeEventsAsync(request, token), item => PrintEvent(c, item, printer, eventName, loop, timestamp), loop, timeout, ct);
    }

    /// <summary>
    /// virsh's wait over any stream of events: <paramref name="print"/> prints what one item holds and says how many
    /// events that was; the first (or with <paramref name="loop"/> the timeout or Ctrl-C) ends the wait.
    /// </summary>
    public static async Task<bool> WaitAsync<T>(CommandContext c, Func<CancellationToken, IAsyncEnumerable<T>> open, Func<T, int> print, bool loop, TimeSpan? timeout, CancellationToken ct)
    {
        var count = 0;
        var ending = Ending.Done;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t)
        {
            wait.CancelAfter(t);
        }

        var interrupted = false;
        ConsoleCancelEventHandler onInterrupt = (_, e) =>
        {
            // Ctrl-C ends the wait, not the process (vshEventStart's SIGINT handler).
            e.Cancel = true;
            interrupted = true;
            wait.Cancel();
        };
        Console.CancelKeyPress += onInterrupt;
        try
        {
            await foreach (var item in open(wait.Token))
            {
                count += print(item);
                if (!loop && count > 0)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (wait.IsCancellationRequested && !ct.IsCancellationRequested
            && e is OperationCanceledException or Grpc.Core.RpcException or VirtClientException)
        {
            // Our own timeout or Ctrl-C ended the stream, however the transport words the cancellation.
            ending = interrupted ? Ending.Interrupt : Ending.Timeout;
        }
        finally
        {
            Console.CancelKeyPress -= onInterrupt;
        }

        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("ended", ending switch { Ending.Timeout => "timeout", Ending.Interrupt => "interrupted", _ => "done" });
                w.WriteNumber("events_received", count);
            });
        }
        else
        {
            c.Print(ending switch
            {
                Ending.Timeout => "event loop timed out\n",
                Ending.Interrupt => "event loop interrupted\n",
                _ => "",
            });
            c.Print(string.Create(CultureInfo.InvariantCulture, $"events received: {count}\n"));
        }

        return count > 0;
    }

    private static int PrintEvent(CommandContext c, Proto.SubscribeResponse item, Printer printer, string? eventName, bool loop, bool timestamp)
    {
        switch (item.KindCase)
        {
            case Proto.SubscribeResponse.KindOneofCase.CaughtUp:
                c.Session.Debug(0, string.Create(CultureInfo.InvariantCulture, $"event: subscribed at sequence {item.CaughtUp.LatestSequence}"));
                return 0;
            case Proto.SubscribeResponse.KindOneofCase.Gap:
                c.Session.Debug(1, string.Create(CultureInfo.InvariantCulture, $"event: gap ({item.Gap.Reason}) after sequence {item.Gap.RequestedAfterSequence}"));
                return 0;
            case Proto.SubscribeResponse.KindOneofCase.Event:
                break;
            default:
                return 0;
        }

        var printed = 0;
        foreach (var (name, text) in printer.Describe(item.Event))
        {
            if (eventName is not null && name != eventName)
            {
                continue;
            }

            Print(c, item.Event, name, text, timestamp, printer.WritePayload);
            printed++;
            if (!loop)
            {
                break;
            }
        }

        return printed;
    }

    private static void Print(CommandContext c, Proto.Event e, string name, string text, bool timestamp, Action<Utf8JsonWriter, Proto.Event> writePayload)
    {
        var time = e.Time?.ToDateTime() ?? DateTime.UtcNow;
        if (c.Json)
        {
            c.Print(JsonOutput.Document(w =>
            {
                w.WriteString("event", name);
                w.WriteNumber("sequence", e.Sequence);
                w.WriteString("time", time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                writePayload(w, e);
                w.WriteString("text", text.TrimEnd('\n'));
            }));
        }
        else
        {
            // virTimeStringNowRaw: "YYYY-MM-DD HH:MM:SS.mmm+0000".
            c.Print(timestamp ? time.ToString("yyyy-MM-dd HH:mm:ss.fff'+0000: '", CultureInfo.InvariantCulture) + text : text);
        }

        c.Session.Terminal.Out.Flush();
    }
}
