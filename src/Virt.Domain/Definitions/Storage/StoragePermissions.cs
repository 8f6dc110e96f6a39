namespace Virt.Domain.Storage;

/// <summary>File ownership and mode (<c>&lt;permissions&gt;</c>).</summary>
/// <param name="Mode">Octal mode bits.</param>
/// <param name="Owner">Owner uid.</param>
/// <param name="Group">Group gid.</param>
/// <param name="Label">Security label.</param>
public sealed record StoragePermissions(uint? Mode, uint? Owner, uint? Group, string? Label);
