namespace Virt.Domain;

/// <summary>Host page-cache mode of a disk.</summary>
public enum DiskCache
{
    /// <summary>XML value <c>default</c>.</summary>
    Default,

    /// <summary>XML value <c>none</c>.</summary>
    None,

    /// <summary>XML value <c>writethrough</c>.</summary>
    Writethrough,

    /// <summary>XML value <c>writeback</c>.</summary>
    Writeback,

    /// <summary>XML value <c>directsync</c>.</summary>
    Directsync,

    /// <summary>XML value <c>unsafe</c>.</summary>
    Unsafe,
}
