namespace Virt.Domain.Storage;

/// <summary>Where a pool appears on the host (<c>&lt;target&gt;</c>).</summary>
/// <param name="Path">Directory or device directory.</param>
/// <param name="Permissions">Ownership and mode.</param>
public sealed record StorageTarget(string? Path, StoragePermissions? Permissions);
