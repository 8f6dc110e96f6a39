using System.Text.Json.Nodes;

namespace Virt.Qemu.Qmp;

/// <summary>
/// QMP semantics over a <see cref="QmpConnection"/>: typed commands, and events dispatched through one
/// name → handler table that raises typed C# events. Events without a handler still reach <see cref="EventReceived"/>.
/// </summary>
public sealed class QmpMonitor : IAsyncDisposable
{
    private readonly QmpConnection _connection;
    private readonly Dictionary<string, Action<QmpEvent>> _eventTable;
    private readonly Task _eventPump;

    /// <summary>Wraps a negotiated connection and starts dispatching its events.</summary>
    public QmpMonitor(QmpConnection connection)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _eventTable = new(StringComparer.Ordinal)
        {
            ["STOP"] = _ => Stopped?.Invoke(this, EventArgs.Empty),
            ["RESUME"] = _ => Resumed?.Invoke(this, EventArgs.Empty),
            ["SHUTDOWN"] = e => Shutdown?.Invoke(this, new QmpShutdownEvent(
                e.Data["guest"]?.GetValue<bool>() ?? false,
                e.Data["reason"]?.GetValue<string>() ?? "")),
            ["RESET"] = e => Reset?.Invoke(this, new QmpResetEvent(
                e.Data["guest"]?.GetValue<bool>() ?? false,
                e.Data["reason"]?.GetValue<string>() ?? "")),
            ["POWERDOWN"] = _ => PowerdownRequested?.Invoke(this, EventArgs.Empty),
            ["BALLOON_CHANGE"] = e => BalloonChanged?.Invoke(this, e.Data["actual"]?.GetValue<long>() ?? 0),
            ["GUEST_PANICKED"] = e => GuestPanicked?.Invoke(this, e.Data["action"]?.GetValue<string>() ?? ""),
        };
        _eventPump = Task.Run(PumpEventsAsync);
    }

    /// <summary>The guest's vCPUs stopped.</summary>
    public event EventHandler? Stopped;

    /// <summary>The guest's vCPUs resumed.</summary>
    public event EventHandler? Resumed;

    /// <summary>The guest shut down (or QEMU is about to exit).</summary>
    public event EventHandler<QmpShutdownEvent>? Shutdown;

    /// <summary>The guest was reset.</summary>
    public event EventHandler<QmpResetEvent>? Reset;

    /// <summary>An ACPI power-down was requested.</summary>
    public event EventHandler? PowerdownRequested;

    /// <summary>The balloon's actual size changed, in bytes.</summary>
    public event EventHandler<long>? BalloonChanged;

    /// <summary>The guest kernel panicked; the argument is QEMU's action.</summary>
    public event EventHandler<string>? GuestPanicked;

    /// <summary>Every event, including those with a typed event above.</summary>
    public event EventHandler<QmpEvent>? EventReceived;

    /// <summary>QEMU's version.</summary>
    public QemuVersion Version => _connection.Version;

    /// <summary>Completes when the monitor connection has closed.</summary>
    public Task Completion => _connection.Completion;

    /// <summary>Runs any command; for commands without a typed method.</summary>
    public Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default) =>
        _connection.ExecuteAsync(command, arguments, cancellationToken);

    /// <summary><c>query-status</c>: whether the vCPUs run, and QEMU's run state name.</summary>
    public async Task<(bool Running, string Status)> QueryStatusAsync(CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync("query-status", null, cancellationToken).ConfigureAwait(false);
        return (result?["running"]?.GetValue<bool>() ?? false, result?["status"]?.GetValue<string>() ?? "");
    }

    /// <summary><c>cont</c>: resume vCPUs.</summary>
    public Task ContinueAsync(CancellationToken cancellationToken) => ExecuteAsync("cont", null, cancellationToken);

    /// <summary><c>stop</c>: pause vCPUs.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => ExecuteAsync("stop", null, cancellationToken);

    /// <summary><c>system_powerdown</c>: press the ACPI power button.</summary>
    public Task PowerdownAsync(CancellationToken cancellationToken) => ExecuteAsync("system_powerdown", null, cancellationToken);

    /// <summary><c>system_reset</c>: hard reset.</summary>
    public Task SystemResetAsync(CancellationToken cancellationToken) => ExecuteAsync("system_reset", null, cancellationToken);

    /// <summary><c>quit</c>: QEMU exits at once. The connection closes, possibly before the reply arrives.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync("quit", null, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpDisconnectedException)
        {
            // QEMU may close the socket before its reply leaves; the exit is what was asked for.
        }
    }

    /// <summary><c>query-block</c>: block devices with their qdev id and inserted image.</summary>
    public async Task<IReadOnlyList<QmpBlockDevice>> QueryBlockAsync(CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync("query-block", null, cancellationToken).ConfigureAwait(false);
        return [.. (result?.AsArray() ?? []).Select(b => new QmpBlockDevice(
            b?["device"]?.GetValue<string>() ?? "",
            b?["qdev"]?.GetValue<string>() ?? "",
            b?["inserted"]?["file"]?.GetValue<string>(),
            b?["inserted"]?["ro"]?.GetValue<bool>() ?? false))];
    }

    /// <summary><c>query-pci</c>: every PCI device on every bus, flattened, with bridges' buses included.</summary>
    public async Task<IReadOnlyList<QmpPciDevice>> QueryPciAsync(CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync("query-pci", null, cancellationToken).ConfigureAwait(false);
        var devices = new List<QmpPciDevice>();
        foreach (var bus in result?.AsArray() ?? [])
        {
            CollectPci(bus?["devices"]?.AsArray(), devices);
        }
        return devices;
    }

    /// <summary><c>qom-list</c>: the children and properties of a QOM path.</summary>
    public async Task<IReadOnlyList<(string Name, string Type)>> QomListAsync(string path, CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync("qom-list", new JsonObject { ["path"] = path }, cancellationToken).ConfigureAwait(false);
        return [.. (result?.AsArray() ?? []).Select(p => (p?["name"]?.GetValue<string>() ?? "", p?["type"]?.GetValue<string>() ?? ""))];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _eventPump.ConfigureAwait(false);
    }

    private static void CollectPci(JsonArray? devices, List<QmpPciDevice> into)
    {
        foreach (var device in devices ?? [])
        {
            into.Add(new QmpPciDevice(
                device?["bus"]?.GetValue<int>() ?? 0,
                device?["slot"]?.GetValue<int>() ?? 0,
                device?["function"]?.GetValue<int>() ?? 0,
                device?["qdev_id"]?.GetValue<string>() ?? "",
                device?["class_info"]?["desc"]?.GetValue<string>() ?? "",
                device?["id"]?["vendor"]?.GetValue<int>() ?? 0,
                device?["id"]?["device"]?.GetValue<int>() ?? 0));
            CollectPci(device?["pci_bridge"]?["devices"]?.AsArray(), into);
        }
    }

    private async Task PumpEventsAsync()
    {
        await foreach (var qmpEvent in _connection.Events.ReadAllAsync().ConfigureAwait(false))
        {
            if (_eventTable.TryGetValue(qmpEvent.Name, out var raise))
            {
                raise(qmpEvent);
            }
            EventReceived?.Invoke(this, qmpEvent);
        }
    }
}

/// <summary>A <c>SHUTDOWN</c> event.</summary>
/// <param name="Guest">True when the guest initiated it.</param>
/// <param name="Reason">QEMU's reason, e.g. <c>guest-shutdown</c>, <c>host-qmp-quit</c>, <c>host-signal</c>.</param>
public sealed record QmpShutdownEvent(bool Guest, string Reason);

/// <summary>A <c>RESET</c> event.</summary>
/// <param name="Guest">True when the guest initiated it.</param>
/// <param name="Reason">QEMU's reason.</param>
public sealed record QmpResetEvent(bool Guest, string Reason);

/// <summary>One entry of <c>query-block</c>.</summary>
/// <param name="Device">The block backend name (empty for -blockdev backends).</param>
/// <param name="QdevId">The frontend device's qdev path or id.</param>
/// <param name="File">The inserted image, or null when empty.</param>
/// <param name="ReadOnly">Whether the image is read-only.</param>
public sealed record QmpBlockDevice(string Device, string QdevId, string? File, bool ReadOnly);

/// <summary>One PCI function of <c>query-pci</c>.</summary>
/// <param name="Bus">Bus number.</param>
/// <param name="Slot">Slot number.</param>
/// <param name="Function">Function number.</param>
/// <param name="QdevId">The device's id (empty when QEMU created it implicitly).</param>
/// <param name="Description">The class description, e.g. <c>SCSI controller</c>.</param>
/// <param name="VendorId">PCI vendor id.</param>
/// <param name="DeviceId">PCI device id.</param>
public sealed record QmpPciDevice(int Bus, int Slot, int Function, string QdevId, string Description, int VendorId, int DeviceId);
