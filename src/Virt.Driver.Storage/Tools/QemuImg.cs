using System.Globalization;
using System.Text.Json;
using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Storage.Tools;

/// <summary>What <c>qemu-img info</c> reports about one image (its backing file is named, never opened).</summary>
internal sealed record ImageInfo(ulong VirtualSize, ulong ActualSize, string? BackingFile, ImageFormat? BackingFormat, string? Compat, ulong? ClusterSize, bool LazyRefcounts);

/// <summary>
/// qemu-img with an argv array. Every call names the format of every image it opens (<c>-f</c>, <c>-F</c>,
/// <c>-O</c>): qemu-img never probes an image it was handed, so a raw volume whose bytes look like qcow2 with a
/// backing file of <c>/etc/shadow</c> stays raw bytes.
/// </summary>
internal static class QemuImg
{
    public const string Tool = "qemu-img";

    /// <summary>The formats Virt creates and converts with qemu-img.</summary>
    public static readonly IReadOnlySet<ImageFormat> Creatable = new HashSet<ImageFormat> { ImageFormat.Raw, ImageFormat.Qcow2, ImageFormat.Vmdk, ImageFormat.Vdi, ImageFormat.Vpc, ImageFormat.Qed, ImageFormat.Vhdx };

    public static string Name(ImageFormat format) => DomainXmlNames.ImageFormat.ToXml(format);

    public static Task CreateAsync(string path, ImageFormat format, ulong capacity, IReadOnlyList<string> options, string? backing, ImageFormat? backingFormat, CancellationToken ct)
    {
        List<string> argv = ["create", "-q", "-f", Name(format)];
        if (backing is not null)
        {
            argv.AddRange(["-b", backing, "-F", Name(backingFormat ?? ImageFormat.Raw), "-u"]);
        }
        if (options.Count > 0)
        {
            argv.AddRange(["-o", string.Join(',', options)]);
        }
        argv.Add(path);
        argv.Add(capacity.ToString(CultureInfo.InvariantCulture));
        return ToolRunner.RunCheckedAsync(Tool, argv, $"create {Name(format)} image {path}", ct);
    }

    /// <summary>Copies <paramref name="source"/> into a new image; with <paramref name="progress"/>, qemu-img reports its progress (<c>-p</c>) and that gets the share copied, 0 to 1.</summary>
    public static Task ConvertAsync(string source, ImageFormat sourceFormat, string target, ImageFormat targetFormat, IReadOnlyList<string> options, Action<double>? progress, CancellationToken ct)
    {
        List<string> argv = ["convert", "-f", Name(sourceFormat), "-O", Name(targetFormat)];
        if (progress is not null)
        {
            argv.Add("-p");
        }
        if (options.Count > 0)
        {
            argv.AddRange(["-o", string.Join(',', options)]);
        }
        argv.AddRange([source, target]);
        return ToolRunner.RunCheckedAsync(Tool, argv, $"copy {source} into a new {Name(targetFormat)} image",
            progress is null ? null : output => QemuImgProgress.ReadAsync(output, progress), ct);
    }

    public static Task ResizeAsync(string path, ImageFormat format, ulong capacity, bool shrink, bool allocate, CancellationToken ct)
    {
        List<string> argv = ["resize", "-q", "-f", Name(format)];
        if (shrink)
        {
            argv.Add("--shrink");
        }
        if (allocate)
        {
            argv.Add("--preallocation=falloc");
        }
        argv.AddRange([path, capacity.ToString(CultureInfo.InvariantCulture)]);
        return ToolRunner.RunCheckedAsync(Tool, argv, $"resize {path}", ct);
    }

    public static async Task<ImageInfo> InfoAsync(string path, ImageFormat format, CancellationToken ct)
    {
        // No --backing-chain: qemu-img then opens only this image, not the file its header names.
        var result = await ToolRunner.RunCheckedAsync(Tool, ["info", "--output=json", "-U", "-f", Name(format), path], $"read image {path}", ct).ConfigureAwait(false);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        ulong Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetUInt64() : 0;
        string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        string? compat = null;
        var lazy = false;
        if (root.TryGetProperty("format-specific", out var specific) && specific.TryGetProperty("data", out var data))
        {
            compat = Text(data, "compat");
            lazy = data.TryGetProperty("lazy-refcounts", out var l) && l.ValueKind == JsonValueKind.True;
        }
        var backingFormat = Text(root, "backing-filename-format") is { } bf && DomainXmlNames.ImageFormat.TryParse(bf, out var parsed) ? parsed : (ImageFormat?)null;
        var cluster = Number(root, "cluster-size");
        return new ImageInfo(Number(root, "virtual-size"), Number(root, "actual-size"), Text(root, "backing-filename"), backingFormat, compat,
            format == ImageFormat.Qcow2 && cluster > 0 ? cluster : null, lazy);
    }
}
