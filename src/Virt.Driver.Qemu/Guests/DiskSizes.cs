using System.Diagnostics;
using System.Text.Json.Nodes;
using Virt.Domain;

namespace Virt.Driver.Qemu;

/// <summary>
/// virsh domblkinfo's three sizes, computed as libvirt's qemuDomainGetBlockInfo computes them, so that an operator's
/// scripts read the same figures: for a running guest from QEMU's own view of the image, otherwise from the file.
/// </summary>
internal static class DiskSizes
{
    /// <summary>
    /// A running guest's disk from its <c>query-block</c> entry (the image's virtual and actual size) and its
    /// <c>query-blockstats</c> entry (the highest offset written, on the image's file node): allocation is that
    /// offset, except for a qcow2 file (whose offsets say nothing of the host) and before the guest has written,
    /// where it is the host bytes in use; physical is re-read from the host (<paramref name="hostSize"/>) where
    /// QEMU's figure cannot tell it apart from allocation.
    /// </summary>
    public static DomainBlockInfo Active(JsonNode? block, JsonNode? stats, bool blockDevice, Func<ulong> hostSize)
    {
        ArgumentNullException.ThrowIfNull(hostSize);
        var image = block?["inserted"]?["image"];
        var capacity = Number(image?["virtual-size"]) ?? 0;
        // Without actual-size the image is not thin provisioned: it takes what it shows.
        var inUse = Number(image?["actual-size"]) ?? capacity;
        var highestWritten = Number(stats?["parent"]?["stats"]?["wr_highest_offset"]);
        var qcow2File = !blockDevice && image?["format"]?.GetValue<string>() == "qcow2";
        var allocation = highestWritten is { } offset && !qcow2File ? offset : inUse;
        if (inUse != 0 && allocation != 0 && allocation != inUse)
        {
            return new DomainBlockInfo(capacity, allocation, inUse);
        }
        return new DomainBlockInfo(capacity, allocation == 0 ? inUse : allocation, hostSize());
    }

    /// <summary>
    /// An inactive guest's disk, read from the image (qemu-img info, with the format the definition gives; an image is
    /// never probed): capacity its virtual size, allocation the host bytes its blocks take, physical its size.
    /// </summary>
    public static async Task<DomainBlockInfo> InactiveAsync(string path, ImageFormat format, bool blockDevice, CancellationToken cancellationToken)
    {
        var info = await ImageInfoAsync(path, format, cancellationToken).ConfigureAwait(false);
        var physical = HostSize(path, blockDevice);
        var capacity = Number(info["virtual-size"]) ?? physical;
        // A block device's blocks are all its own; an image format on one has no figure for what it uses (libvirt: 0).
        var allocation = blockDevice ? (format == ImageFormat.Raw ? physical : 0) : Number(info["actual-size"]) ?? physical;
        return new DomainBlockInfo(capacity, allocation, physical);
    }

    /// <summary>The size of a file, or of a block device (its end).</summary>
    public static ulong HostSize(string path, bool blockDevice)
    {
        if (!blockDevice)
        {
            return (ulong)new FileInfo(path).Length;
        }
        using var device = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        return (ulong)device.Seek(0, SeekOrigin.End);
    }

    private static ulong? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<ulong>(out var number) ? number : null;

    private static async Task<JsonNode> ImageInfoAsync(string path, ImageFormat format, CancellationToken cancellationToken)
    {
        // -U: the image may be open in another guest; reading its header needs no lock.
        var start = new ProcessStartInfo("qemu-img") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["info", "-U", "--output=json", "-f", format.ToString().ToLowerInvariant(), path])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var said = (await errors.ConfigureAwait(false)).Trim();
            throw new VirtException(VirtErrorReason.ImageInvalid, $"Cannot read the {format.ToString().ToLowerInvariant()} image '{path}': {said}",
                new Dictionary<string, string> { ["path"] = path });
        }
        return JsonNode.Parse(await output.ConfigureAwait(false)) ?? new JsonObject();
    }
}
