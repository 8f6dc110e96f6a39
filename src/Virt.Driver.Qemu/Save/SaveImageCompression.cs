namespace Virt.Driver.Qemu;

/// <summary>
/// The compressor behind each <see cref="SaveImageFormat"/>, run as libvirt runs it (qemu_saveimage.c): the program
/// named as the format, found in virtd's PATH, <c>-c</c> to compress (xz also <c>-3</c>) and <c>-dc</c> to
/// decompress (lzop also <c>--ignore-warn</c>), in a pipe between QEMU's stream and the image file.
/// </summary>
internal static class SaveImageCompression
{
    /// <summary>qemu.conf's names, in <see cref="SaveImageFormat"/> order.</summary>
    public static IReadOnlyList<string> Names => _names;

    private static readonly string[] _names = ["raw", "gzip", "bzip2", "xz", "lzop", "zstd"];

    public static string Name(SaveImageFormat format) => Names[(int)format];

    /// <summary>
    /// A format by its qemu.conf name (save --image-format); another name fails the call, starting with
    /// <paramref name="refusal"/>, and lists the allowed ones.
    /// </summary>
    public static SaveImageFormat Parse(string name, string refusal)
    {
        var index = Array.IndexOf(_names, name);
        return index >= 0 ? (SaveImageFormat)index : throw new VirtException(VirtErrorReason.InvalidArgument,
            $"{refusal}: '{name}' is not a save image format; use one of {string.Join(", ", Names)}.",
            new Dictionary<string, string> { ["image_format"] = name, ["allowed"] = string.Join(",", Names) });
    }

    /// <summary>
    /// How the stored stream starts: QEMU's <c>QEVM</c> when raw, else the compressor's file magic, so restore tells a
    /// corrupt image before it starts QEMU.
    /// </summary>
    public static ReadOnlySpan<byte> StreamMagic(SaveImageFormat format) => format switch
    {
        SaveImageFormat.Gzip => [0x1f, 0x8b],
        SaveImageFormat.Bzip2 => "BZh"u8,
        SaveImageFormat.Xz => [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
        SaveImageFormat.Lzop => [0x89, 0x4c, 0x5a, 0x4f],
        SaveImageFormat.Zstd => [0x28, 0xb5, 0x2f, 0xfd],
        _ => "QEVM"u8,
    };

    /// <summary>
    /// The shell command that compresses stdin to stdout, or null for raw; <paramref name="refusal"/> starts the error
    /// when the program is missing ("Cannot save domain 'hb'").
    /// </summary>
    public static string? CompressCommand(SaveImageFormat format, string refusal) => format == SaveImageFormat.Raw ? null
        : QemuDomainDriver.ShellQuote(Program(format, refusal)) + (format == SaveImageFormat.Xz ? " -c -3" : " -c");

    /// <summary>The shell command that decompresses stdin to stdout, or null for raw.</summary>
    public static string? DecompressCommand(SaveImageFormat format, string refusal) => format == SaveImageFormat.Raw ? null
        : QemuDomainDriver.ShellQuote(Program(format, refusal)) + (format == SaveImageFormat.Lzop ? " -dc --ignore-warn" : " -dc");

    /// <summary>
    /// The program's full path in virtd's PATH (QEMU's shell inherits that PATH, but a missing program must fail the
    /// call with a reason, not a save that QEMU reports broken); libvirt refuses a save the same way.
    /// </summary>
    private static string Program(SaveImageFormat format, string refusal)
    {
        var name = Name(format);
        return Virt.Qemu.ProgramPath.Find(name) ?? throw new VirtException(VirtErrorReason.OperationUnsupported,
            $"{refusal}: the save image format '{name}' needs the program '{name}', which is not in virtd's PATH; install it (or use the raw format).",
            new Dictionary<string, string> { ["format"] = name, ["program"] = name });
    }
}
