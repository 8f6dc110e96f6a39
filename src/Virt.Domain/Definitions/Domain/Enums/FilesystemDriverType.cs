namespace Virt.Domain;

/// <summary>Backend of a shared filesystem.</summary>
public enum FilesystemDriverType
{
    /// <summary>XML value <c>path</c>.</summary>
    Path,

    /// <summary>XML value <c>handle</c>.</summary>
    Handle,

    /// <summary>XML value <c>virtiofs</c>.</summary>
    Virtiofs,
}
