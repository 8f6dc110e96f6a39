using System.Globalization;
using System.Text;

namespace Virt.Driver.Qemu;

/// <summary>One recorded decision: <c>key=value</c> lines, as the migration record's (unknown keys are ignored).</summary>
internal sealed record MigrationOutcomeEntry(string Id, Guid Uuid, string Name, MigrationOutcome Outcome, DateTimeOffset Recorded)
{
    public string Format()
    {
        var text = new StringBuilder();
        text.AppendPair("migration_id", Id);
        text.AppendPair("domain_uuid", Uuid.ToString("D"));
        text.AppendPair("domain_name", Name);
        text.AppendPair("outcome", Outcome == MigrationOutcome.RunningOnDestination ? "running_on_destination" : "cancelled");
        text.AppendPair("recorded", Recorded.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>Null when the text is torn or not an outcome.</summary>
    public static MigrationOutcomeEntry? Parse(string text)
    {
        var values = KeyValueLines.Parse(text);
        MigrationOutcome? outcome = values.GetValueOrDefault("outcome") switch
        {
            "running_on_destination" => MigrationOutcome.RunningOnDestination,
            "cancelled" => MigrationOutcome.Cancelled,
            _ => null,
        };
        if (!values.TryGetValue("migration_id", out var id) || id.Length == 0
            || !values.TryGetValue("domain_uuid", out var uuidText) || !Guid.TryParseExact(uuidText, "D", out var uuid)
            || !values.TryGetValue("domain_name", out var name) || outcome is null
            || !DateTimeOffset.TryParseExact(values.GetValueOrDefault("recorded"), "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var recorded))
        {
            return null;
        }
        return new MigrationOutcomeEntry(id, uuid, name, outcome.Value, recorded);
    }
}
