namespace Virt.Domain;

/// <summary>A sound card (<c>&lt;sound&gt;</c>).</summary>
/// <param name="Model">Model.</param>
/// <param name="AudioId">Audio backend id (<c>&lt;audio id&gt;</c>).</param>
/// <param name="Alias">Device alias.</param>
/// <param name="Address">Guest address.</param>
public sealed record SoundDevice(SoundModel Model, uint? AudioId, string? Alias, DeviceAddress? Address);
