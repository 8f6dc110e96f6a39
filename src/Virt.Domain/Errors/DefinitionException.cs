namespace Virt.Domain;

/// <summary>A definition document was refused. The message is one sentence naming what, where, and what is allowed.</summary>
public sealed class DefinitionException : Exception
{
    /// <summary>Creates the exception; the message is composed from the parts.</summary>
    /// <param name="reason">Why the document was refused.</param>
    /// <param name="location">XPath-like location, e.g. <c>/domain/devices/disk[2]/target/@bus</c>.</param>
    /// <param name="detail">What was wrong, as a sentence fragment without location.</param>
    /// <param name="found">The offending value, if any.</param>
    /// <param name="allowed">What would have been accepted, if that can be listed.</param>
    /// <param name="line">1-based line, or 0 when unknown.</param>
    /// <param name="column">1-based column, or 0 when unknown.</param>
    public DefinitionException(
        DefinitionErrorReason reason,
        string location,
        string detail,
        string? found = null,
        string? allowed = null,
        int line = 0,
        int column = 0)
        : base(Compose(location, detail, allowed, line, column))
    {
        Reason = reason;
        Location = location;
        Found = found;
        Allowed = allowed;
        Line = line;
        Column = column;
    }

    /// <summary>Why the document was refused.</summary>
    public DefinitionErrorReason Reason { get; }

    /// <summary>XPath-like location of the problem; empty when it concerns the whole document.</summary>
    public string Location { get; }

    /// <summary>1-based source line, or 0 when the problem has no single source position (e.g. a policy check).</summary>
    public int Line { get; }

    /// <summary>1-based source column, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The offending value, if any.</summary>
    public string? Found { get; }

    /// <summary>A description of the accepted values, if they can be listed.</summary>
    public string? Allowed { get; }

    private static string Compose(string location, string detail, string? allowed, int line, int column)
    {
        var where = location.Length == 0 ? string.Empty : $" at {location}";
        var position = line > 0 ? $" (line {line}, column {column})" : string.Empty;
        var hint = string.IsNullOrEmpty(allowed) ? string.Empty : $"; allowed: {allowed}";
        return $"{detail}{where}{position}{hint}.";
    }
}
