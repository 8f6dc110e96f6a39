using System.Globalization;
using System.Text;

namespace Virt.Driver.Qemu;

/// <summary>
/// <c>RUN/qemu/UUID.migration</c>: a migration of this guest is in progress on this host, and how far it got
/// (MIGRATION.md, "A restart during a migration"). virtd writes it beside the worker's state file, in the same
/// <c>key=value</c> form and the same way (temporary file, rename; not flushed: like the guest, it must outlive virtd,
/// not the machine), at each phase that changes what a restarted virtd must do, and removes it when the migration has
/// ended. Unknown keys are ignored, so a newer virtd can add some.
/// </summary>
internal sealed record MigrationRecord
{
    public const string Extension = ".migration";

    /// <summary><c>out</c> on the source, <c>in</c> on the destination.</summary>
    public required bool Outgoing { get; init; }

    public required string Id { get; init; }

    public required Guid Uuid { get; init; }

    public required string Name { get; init; }

    /// <summary>Source: the destination daemon's URI (empty when a third party drives the phases).</summary>
    public string Peer { get; init; } = "";

    /// <summary>Source: how far it went.</summary>
    public OutgoingPhase Phase { get; init; } = OutgoingPhase.Begin;

    /// <summary>Destination: Finish has started (it may have resumed the guest).</summary>
    public bool Finishing { get; init; }

    /// <summary>Source: the guest ran when Begin took it.</summary>
    public bool WasRunning { get; init; }

    /// <summary>Source: the migration paused the guest (non-live, or --timeout's suspend).</summary>
    public bool PausedBySelf { get; init; }

    /// <summary>Source in Confirm: the destination's recorded outcome.</summary>
    public MigrationOutcome Outcome { get; init; }

    public string Format()
    {
        var text = new StringBuilder();
        text.AppendPair("direction", Outgoing ? "out" : "in");
        text.AppendPair("migration_id", Id);
        text.AppendPair("domain_uuid", Uuid.ToString("D"));
        text.AppendPair("domain_name", Name);
        if (Outgoing)
        {
            text.AppendPair("peer", Peer);
            text.AppendPair("phase", Phase.ToString().ToLowerInvariant());
            text.AppendPair("was_running", WasRunning ? "1" : "0");
            text.AppendPair("paused_by_self", PausedBySelf ? "1" : "0");
            text.AppendPair("outcome", ((int)Outcome).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.AppendPair("phase", Finishing ? "finish" : "prepare");
        }
        return text.ToString();
    }

    /// <summary>Reads a record; null when it is torn or not one (a restarted virtd then has nothing to recover from it).</summary>
    public static MigrationRecord? Parse(string text)
    {
        var values = KeyValueLines.Parse(text);
        if (!values.TryGetValue("direction", out var direction) || direction is not ("out" or "in")
            || !values.TryGetValue("migration_id", out var id) || id.Length == 0
            || !values.TryGetValue("domain_uuid", out var uuidText) || !Guid.TryParseExact(uuidText, "D", out var uuid)
            || !values.TryGetValue("domain_name", out var name) || !values.TryGetValue("phase", out var phase))
        {
            return null;
        }
        if (direction == "in")
        {
            return new MigrationRecord { Outgoing = false, Id = id, Uuid = uuid, Name = name, Finishing = phase == "finish" };
        }
        if (!Enum.TryParse<OutgoingPhase>(phase, ignoreCase: true, out var outgoingPhase) || !Enum.IsDefined(outgoingPhase))
        {
            return null;
        }
        return new MigrationRecord
        {
            Outgoing = true,
            Id = id,
            Uuid = uuid,
            Name = name,
            Peer = values.GetValueOrDefault("peer", ""),
            Phase = outgoingPhase,
            WasRunning = values.GetValueOrDefault("was_running") == "1",
            PausedBySelf = values.GetValueOrDefault("paused_by_self") == "1",
            Outcome = int.TryParse(values.GetValueOrDefault("outcome"), NumberStyles.None, CultureInfo.InvariantCulture, out var outcome)
                && Enum.IsDefined((MigrationOutcome)outcome) ? (MigrationOutcome)outcome : MigrationOutcome.Unspecified,
        };
    }
}
