namespace Virt.Domain;

/// <summary>Boot menu (<c>&lt;bootmenu&gt;</c>).</summary>
/// <param name="Enable">Whether the menu is shown.</param>
/// <param name="TimeoutMs">Menu timeout in milliseconds.</param>
public sealed record BootMenu(bool Enable, uint? TimeoutMs);
