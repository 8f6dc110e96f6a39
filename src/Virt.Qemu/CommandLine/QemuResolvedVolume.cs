using Virt.Domain;

namespace Virt.Qemu.CommandLine;

/// <summary>What the storage driver resolved a volume to.</summary>
/// <param name="Path">The host path of the volume.</param>
/// <param name="Format">The volume's image format; a disk's own <c>&lt;driver type&gt;</c> wins when given.</param>
/// <param name="IsBlockDevice">True for block devices (LVM, iSCSI LUNs): opened with <c>host_device</c>.</param>
public sealed record QemuResolvedVolume(string Path, ImageFormat Format, bool IsBlockDevice = false);
