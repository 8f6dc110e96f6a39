using System.Text.Json.Nodes;
using Virt.Domain;

namespace Virt.Qemu.CommandLine.Devices;

/// <summary>
/// The <c>-blockdev</c> objects, as libvirt 9 builds them for QEMU 7.2: a protocol ("storage") node that opens the
/// file or device and a format node on top. The same objects are what <c>blockdev-add</c> takes for hotplug.
/// </summary>
public static class BlockdevProps
{
    /// <summary>The protocol node: <c>file</c>, <c>host_device</c> or <c>host_cdrom</c>.</summary>
    /// <param name="nodeName">e.g. <c>libvirt-1-storage</c>.</param>
    /// <param name="path">The image file or device.</param>
    /// <param name="isBlockDevice">Whether <paramref name="path"/> is a block device.</param>
    /// <param name="isCdrom">Whether the disk is a CD-ROM (block devices then use <c>host_cdrom</c>).</param>
    /// <param name="driver">The disk's <c>&lt;driver&gt;</c>: cache and io map here.</param>
    public static JsonObject Storage(string nodeName, string path, bool isBlockDevice, bool isCdrom, DiskDriver? driver)
    {
        var node = new JsonObject
        {
            ["driver"] = isBlockDevice ? (isCdrom ? "host_cdrom" : "host_device") : "file",
            ["filename"] = path,
        };
        if (driver?.Io is { } io)
        {
            node["aio"] = io switch
            {
                DiskIo.Native => "native",
                DiskIo.IoUring => "io_uring",
                _ => "threads",
            };
        }
        node["node-name"] = nodeName;
        if (Cache(driver?.Cache) is { } cache)
        {
            node["cache"] = cache;
        }
        // auto-read-only lets QEMU reopen the node read-write only when a writer needs it (backing files stay read-only).
        node["auto-read-only"] = true;
        node["discard"] = "unmap";
        return node;
    }

    /// <summary>The format node on top of a storage node.</summary>
    /// <param name="nodeName">e.g. <c>libvirt-1-format</c>.</param>
    /// <param name="fileNode">The storage node below.</param>
    /// <param name="format">The image format.</param>
    /// <param name="driver">The disk's <c>&lt;driver&gt;</c>: cache and discard map here.</param>
    /// <param name="readOnly">Whether the guest may not write (read-only disks, CD-ROMs, backing images).</param>
    /// <param name="backingNode">The format node of the backing image, or null.</param>
    /// <param name="chainEnds">True when the definition says the chain ends here: <c>"backing": null</c> stops QEMU from opening a backing file named in the image header (only formats that have backing files take it).</param>
    public static JsonObject Format(string nodeName, string fileNode, ImageFormat format, DiskDriver? driver, bool readOnly, string? backingNode, bool chainEnds)
    {
        var node = new JsonObject
        {
            ["node-name"] = nodeName,
            ["read-only"] = readOnly,
        };
        if (driver?.Discard == DiskDiscard.Unmap)
        {
            node["discard"] = "unmap";
        }
        if (Cache(driver?.Cache) is { } cache)
        {
            node["cache"] = cache;
        }
        node["driver"] = FormatDriver(format) ?? throw new ArgumentException($"Image format {format} has no QEMU block driver.", nameof(format));
        node["file"] = fileNode;
        if (backingNode is not null)
        {
            node["backing"] = backingNode;
        }
        else if (chainEnds && format is ImageFormat.Qcow2 or ImageFormat.Qcow or ImageFormat.Qed or ImageFormat.Vmdk)
        {
            node["backing"] = null;
        }
        return node;
    }

    /// <summary>QEMU's block driver for an image format, or null when Virt cannot open it.</summary>
    public static string? FormatDriver(ImageFormat format) => format switch
    {
        ImageFormat.Raw or ImageFormat.Iso => "raw",
        ImageFormat.Qcow2 => "qcow2",
        ImageFormat.Qcow => "qcow",
        ImageFormat.Qed => "qed",
        ImageFormat.Vmdk => "vmdk",
        ImageFormat.Vpc or ImageFormat.Vhd => "vpc",
        ImageFormat.Vdi => "vdi",
        ImageFormat.Vhdx => "vhdx",
        ImageFormat.Bochs => "bochs",
        ImageFormat.Cloop => "cloop",
        ImageFormat.Dmg => "dmg",
        _ => null,
    };

    /// <summary>The frontend's <c>write-cache</c> for a cache mode (libvirt's table), or null when the mode is unset.</summary>
    public static string? WriteCache(DiskCache? cache) => cache switch
    {
        DiskCache.None or DiskCache.Writeback or DiskCache.Unsafe => "on",
        DiskCache.Writethrough or DiskCache.Directsync => "off",
        _ => null,
    };

    private static JsonObject? Cache(DiskCache? cache) => cache switch
    {
        DiskCache.None => new JsonObject { ["direct"] = true, ["no-flush"] = false },
        DiskCache.Writethrough or DiskCache.Writeback => new JsonObject { ["direct"] = false, ["no-flush"] = false },
        DiskCache.Directsync => new JsonObject { ["direct"] = true, ["no-flush"] = false },
        DiskCache.Unsafe => new JsonObject { ["direct"] = false, ["no-flush"] = true },
        _ => null,
    };
}
