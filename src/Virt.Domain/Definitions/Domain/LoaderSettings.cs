namespace Virt.Domain;

/// <summary>Firmware loader (<c>&lt;loader&gt;</c>).</summary>
/// <param name="Path">Firmware image.</param>
/// <param name="ReadOnly">Whether the image is read-only.</param>
/// <param name="Secure">Whether secure boot is required.</param>
/// <param name="Type">ROM or pflash.</param>
public sealed record LoaderSettings(string? Path, bool? ReadOnly, bool? Secure, LoaderType? Type);
