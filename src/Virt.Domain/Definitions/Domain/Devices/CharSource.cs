namespace Virt.Domain;

/// <summary>Host side of a character device (<c>&lt;source&gt;</c>).</summary>
public sealed record CharSource
{
    /// <summary>Socket mode (tcp, unix).</summary>
    public CharSourceMode? Mode { get; init; }

    /// <summary>Path (pty, dev, file, pipe, unix).</summary>
    public string? Path { get; init; }

    /// <summary>Append rather than truncate (file).</summary>
    public bool? Append { get; init; }

    /// <summary>Host (tcp).</summary>
    public string? Host { get; init; }

    /// <summary>Port or service (tcp).</summary>
    public string? Service { get; init; }

    /// <summary>TLS (tcp).</summary>
    public bool? Tls { get; init; }
}
