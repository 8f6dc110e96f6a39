namespace Virt.Domain;

/// <summary>Whether guest discard requests reach the image.</summary>
public enum DiskDiscard
{
    /// <summary>XML value <c>unmap</c>.</summary>
    Unmap,

    /// <summary>XML value <c>ignore</c>.</summary>
    Ignore,
}
