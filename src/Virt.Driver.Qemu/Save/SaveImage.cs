using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Virt.Driver.Qemu;

/// <summary>
/// libvirt's QEMU save image (src/qemu/qemu_saveimage.h): a 92-byte header (magic, version 2, the length of the XML
/// area, was_running, format, cookie offset, 14 unused words; little-endian on x86), the domain XML NUL-terminated
/// and padded, then QEMU's migration stream, raw or compressed as the format says (<see cref="SaveImageFormat"/>).
/// The header is written with the "partial" magic and gets the real one only once the stream is complete, so a file
/// cut short by a crash is never taken for a good image.
/// </summary>
internal sealed record SaveImage(string Path, string Xml, bool WasRunning, long StreamOffset, long Length, SaveImageFormat Format)
{
    public const int HeaderSize = 16 + (4 * 19);
    public const uint Version = 2;

    /// <summary>The XML area is padded so the stream starts on a 4 KiB boundary, as libvirt pads it.</summary>
    private const int Alignment = 4096;

    /// <summary>No libvirt-written XML comes near this; a larger length is a corrupt header, not a big domain.</summary>
    private const uint MaxXmlArea = 16 * 1024 * 1024;

    public static ReadOnlySpan<byte> Magic => "LibvirtQemudSave"u8;

    public static ReadOnlySpan<byte> PartialMagic => "LibvirtQemudPart"u8;

    /// <summary>Creates <paramref name="path"/> (mode 0600, must not exist) holding the partial header and the XML.</summary>
    public static async Task<long> CreatePartialAsync(string path, string xml, bool wasRunning, SaveImageFormat format, CancellationToken cancellationToken)
    {
        var buffer = Head(xml, wasRunning, format, PartialMagic, minimumArea: 0);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        await using var file = new FileStream(path, options);
        await file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        return buffer.Length;
    }

    /// <summary>
    /// The stream is complete: stamp the real magic and fsync once, stream and header together. One fsync is enough
    /// because the file is still the save's temp file (<c>.NAME.RANDOM.part</c>) and is renamed to its name only after
    /// this returns: a crash before the rename leaves a temp file whatever reached the disk, one after it a durable
    /// image. (Two fsyncs, one before the stamp, cost a second journal commit on every save and protect nothing more.)
    /// </summary>
    public static async Task CompleteAsync(string path, CancellationToken cancellationToken)
    {
        // Shared: the save's sync-behind thread may still have the file open (.NET's FileShare.None would flock it).
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        await file.WriteAsync(Magic.ToArray(), cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Reads and checks the header, the XML and the start of the stream; anything wrong is ImageInvalid naming the file
    /// and what the caller was doing (<paramref name="action"/>: "restore from", "read", "update").
    /// </summary>
    public static async Task<SaveImage> ReadAsync(string path, CancellationToken cancellationToken, string action = "restore from")
    {
        if (!System.IO.Path.IsPathFullyQualified(path))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The save image path must be absolute (a path on the daemon's host), not '{path}'.",
                new Dictionary<string, string> { ["path"] = path });
        }
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Cannot {action} '{path}': no such file.", new Dictionary<string, string> { ["path"] = path }, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new VirtException(VirtErrorReason.AccessDenied, $"Cannot {action} '{path}': the daemon may not read it.", new Dictionary<string, string> { ["path"] = path }, e);
        }
        await using (file.ConfigureAwait(false))
        {
            var length = file.Length;
            if (length < HeaderSize)
            {
                throw Invalid(action, path, $"it is {length} bytes long, shorter than a save image header ({HeaderSize} bytes)");
            }
            var header = new byte[HeaderSize];
            await file.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            var magic = header.AsSpan(0, 16);
            if (magic.SequenceEqual(PartialMagic))
            {
                throw Invalid(action, path, "it is an incomplete save image (the save that wrote it did not finish)");
            }
            if (!magic.SequenceEqual(Magic))
            {
                throw Invalid(action, path, "it is not a save image (its first 16 bytes are not the magic 'LibvirtQemudSave')");
            }
            var version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(16));
            if (version is not (1 or Version))
            {
                throw Invalid(action, path, $"its save image version is {version}; versions 1 and 2 are supported");
            }
            var area = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20));
            var wasRunning = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(24)) != 0;
            var format = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(28));
            if (format > (uint)SaveImageFormat.Zstd)
            {
                throw Invalid(action, path, $"its save image format is {format}, which is none of libvirt's (0-5: {string.Join(", ", SaveImageCompression.Names)})");
            }
            if (area is 0 or > MaxXmlArea)
            {
                throw Invalid(action, path, $"its header gives an XML length of {area} bytes (corrupt header)");
            }
            var streamOffset = HeaderSize + (long)area;
            var streamMagic = SaveImageCompression.StreamMagic((SaveImageFormat)format).ToArray();
            if (length < streamOffset + streamMagic.Length)
            {
                throw Invalid(action, path, $"it is truncated: {length} bytes, but the header and XML alone take {streamOffset} and the guest state follows them");
            }
            var data = new byte[area];
            await file.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            var end = Array.IndexOf(data, (byte)0);
            var xml = Encoding.UTF8.GetString(data, 0, end < 0 ? data.Length : end);
            var stream = new byte[streamMagic.Length];
            await file.ReadExactlyAsync(stream, cancellationToken).ConfigureAwait(false);
            if (!stream.AsSpan().SequenceEqual(streamMagic))
            {
                var what = format == 0 ? "QEMU migration stream" : SaveImageCompression.Name((SaveImageFormat)format) + " stream";
                throw Invalid(action, path, string.Create(CultureInfo.InvariantCulture, $"no {what} starts at offset {streamOffset} (corrupt image)"));
            }
            return new SaveImage(path, xml, wasRunning, streamOffset, length, (SaveImageFormat)format);
        }
    }

    /// <summary>
    /// The command that turns the stored stream back into QEMU's, or null for a raw image; a missing program fails
    /// here, before anything starts (<paramref name="refusal"/> begins the message).
    /// </summary>
    public string? Decompressor(string refusal) => SaveImageCompression.DecompressCommand(Format, refusal);

    private static VirtException Invalid(string action, string path, string what) =>
        new(VirtErrorReason.ImageInvalid, $"Cannot {action} '{path}': {what}.", new Dictionary<string, string> { ["path"] = path });

    /// <summary>
    /// Replaces the XML (and the recorded running state) atomically: the new image is written beside this one as
    /// <c>.NAME.RANDOM.part</c>, made durable and renamed over it, so a crash leaves the old image or the new one, never
    /// half of each. When the new XML fits the XML area the copy is the kernel's (File.Copy: a reflink or
    /// copy_file_range where the file system can) and only the head changes; otherwise the stream is copied after a
    /// larger, again 4 KiB aligned, area.
    /// </summary>
    public async Task RewriteAsync(string xml, bool wasRunning, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.part");
        var head = Head(xml, wasRunning, Format, Magic, minimumArea: 0);
        try
        {
            if (head.Length <= StreamOffset)
            {
                File.Copy(Path, temp);
                head = Head(xml, wasRunning, Format, Magic, minimumArea: (int)(StreamOffset - HeaderSize));
                await using var file = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None);
                await file.WriteAsync(head, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            else
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
                await using var file = new FileStream(temp, options);
                await file.WriteAsync(head, cancellationToken).ConfigureAwait(false);
                await using (var source = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read))
                {
                    source.Position = StreamOffset;
                    await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, Path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The header and XML area (at least <paramref name="minimumArea"/> bytes, ending on a 4 KiB boundary).</summary>
    private static byte[] Head(string xml, bool wasRunning, SaveImageFormat format, ReadOnlySpan<byte> magic, int minimumArea)
    {
        var xmlBytes = Encoding.UTF8.GetBytes(xml);
        var area = xmlBytes.Length + 1;
        area += (Alignment - ((HeaderSize + area) % Alignment)) % Alignment;
        area = Math.Max(area, minimumArea);
        var buffer = new byte[HeaderSize + area];
        magic.CopyTo(buffer);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(16), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(20), (uint)area);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(24), wasRunning ? 1u : 0u);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(28), (uint)format);
        xmlBytes.CopyTo(buffer.AsSpan(HeaderSize));
        return buffer;
    }
}
