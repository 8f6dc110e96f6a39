namespace Virt.Qemu.CommandLine;

/// <summary>A <c>&lt;disk type='volume'&gt;</c> source: pool and volume names.</summary>
/// <param name="Pool">The storage pool name.</param>
/// <param name="Volume">The volume name inside the pool.</param>
public sealed record QemuVolumeKey(string Pool, string Volume);
