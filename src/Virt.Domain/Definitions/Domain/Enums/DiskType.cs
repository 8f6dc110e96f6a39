namespace Virt.Domain;

/// <summary>Where a disk's data comes from.</summary>
public enum DiskType
{
    /// <summary>XML value <c>file</c>.</summary>
    File,

    /// <summary>XML value <c>block</c>.</summary>
    Block,

    /// <summary>XML value <c>volume</c>.</summary>
    Volume,
}
