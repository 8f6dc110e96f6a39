namespace Virt.Domain;

/// <summary>Security model of a shared filesystem.</summary>
public enum FilesystemAccessMode
{
    /// <summary>XML value <c>passthrough</c>.</summary>
    Passthrough,

    /// <summary>XML value <c>mapped</c>.</summary>
    Mapped,

    /// <summary>XML value <c>squash</c>.</summary>
    Squash,
}
