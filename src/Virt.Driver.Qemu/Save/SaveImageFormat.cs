namespace Virt.Driver.Qemu;

/// <summary>
/// How the guest state in a save image is stored: libvirt's virQEMUSaveFormat (src/qemu/qemu_saveimage.h), whose
/// numbers are the header's <c>format</c> word on disk, and whose names are qemu.conf's <c>save_image_format</c>
/// values. Frozen: never renumber or reuse a value (SaveImageFormatTests).
/// </summary>
public enum SaveImageFormat
{
    Raw = 0,
    Gzip = 1,
    Bzip2 = 2,
    Xz = 3,
    Lzop = 4,
    Zstd = 5,
}
