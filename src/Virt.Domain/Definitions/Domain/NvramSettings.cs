namespace Virt.Domain;

/// <summary>UEFI variable store (<c>&lt;nvram&gt;</c>).</summary>
/// <param name="Path">Per-guest variable file.</param>
/// <param name="Template">Template it is copied from.</param>
public sealed record NvramSettings(string? Path, string? Template);
