using Virt.Domain;

namespace Virt.Driver.Storage.Tools;

/// <summary>
/// The format of a file found in a pool (added outside Virt), from its first bytes, as libvirt's
/// virStorageFileProbeFormat does. Only the header is read; nothing it names is opened. What is found is then passed
/// to qemu-img with <c>-f</c>, so qemu-img itself never guesses.
/// </summary>
internal static class ImageHeader
{
    public static ImageFormat Sniff(string path)
    {
        Span<byte> header = stackalloc byte[512];
        int read;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (IOException)
        {
            return ImageFormat.Raw;
        }
        catch (UnauthorizedAccessException)
        {
            return ImageFormat.Raw;
        }
        var h = header[..read];
        if (h.StartsWith((ReadOnlySpan<byte>)[0x51, 0x46, 0x49, 0xfb]))
        {
            // Version 1 is qcow, 2 and 3 are qcow2.
            return h.Length >= 8 && h[7] == 1 ? ImageFormat.Qcow : ImageFormat.Qcow2;
        }
        if (h.StartsWith("KDMV"u8) || h.StartsWith("# Disk DescriptorFile"u8))
        {
            return ImageFormat.Vmdk;
        }
        if (h.StartsWith("conectix"u8))
        {
            return ImageFormat.Vpc;
        }
        if (h.StartsWith("vhdxfile"u8))
        {
            return ImageFormat.Vhdx;
        }
        if (h.StartsWith("QED\0"u8))
        {
            return ImageFormat.Qed;
        }
        if (h.Length >= 68 && h[64..68].SequenceEqual((ReadOnlySpan<byte>)[0x7f, 0x10, 0xda, 0xbe]))
        {
            return ImageFormat.Vdi;
        }
        return ImageFormat.Raw;
    }
}
