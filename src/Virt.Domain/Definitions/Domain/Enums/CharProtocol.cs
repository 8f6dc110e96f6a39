namespace Virt.Domain;

/// <summary>Wire protocol of a TCP character device.</summary>
public enum CharProtocol
{
    /// <summary>XML value <c>raw</c>.</summary>
    Raw,

    /// <summary>XML value <c>telnet</c>.</summary>
    Telnet,

    /// <summary>XML value <c>telnets</c>.</summary>
    Telnets,

    /// <summary>XML value <c>tls</c>.</summary>
    Tls,
}
