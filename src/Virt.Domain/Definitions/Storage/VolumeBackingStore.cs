namespace Virt.Domain.Storage;

/// <summary>A volume's backing image (<c>&lt;backingStore&gt;</c>).</summary>
/// <param name="Path">Backing image path.</param>
/// <param name="Format">Backing image format.</param>
/// <param name="Permissions">Ownership and mode.</param>
public sealed record VolumeBackingStore(string Path, ImageFormat? Format, StoragePermissions? Permissions);
