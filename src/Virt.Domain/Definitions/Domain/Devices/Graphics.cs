namespace Virt.Domain;

/// <summary>A remote display (<c>&lt;graphics&gt;</c>).</summary>
public sealed record Graphics
{
    /// <summary>Protocol.</summary>
    public GraphicsType Type { get; init; }

    /// <summary>Fixed port; null when automatic or unset.</summary>
    public int? Port { get; init; }

    /// <summary>Automatic port allocation.</summary>
    public bool AutoPort { get; init; }

    /// <summary>SPICE TLS port.</summary>
    public int? TlsPort { get; init; }

    /// <summary>Keyboard map.</summary>
    public string? Keymap { get; init; }

    /// <summary>Display password.</summary>
    public string? Password { get; init; }

    /// <summary>Listen addresses; libvirt adds one empty address listen when none is given.</summary>
    public ValueList<GraphicsListen> Listens { get; init; } = ValueList<GraphicsListen>.Empty;

    /// <summary>SPICE image compression (<c>&lt;image compression&gt;</c>).</summary>
    public string? ImageCompression { get; init; }
}
