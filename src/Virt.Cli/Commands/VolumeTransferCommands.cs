using Virt.Cli.Runtime;
using Virt.Client;

namespace Virt.Cli.Commands;

/// <summary>
/// vol-upload and vol-download (virsh-volume.c): the file streamed in chunks (VirtConnection.VolumeChunkBytes), never
/// held whole; or, over virtd's Unix socket, handed to virtd by descriptor (the local fast path; which one ran is
/// printed only with <c>-d 0</c>).
/// </summary>
internal static class VolumeTransferCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("vol-upload", CommandGroup.Volume, "upload file contents to a volume", "Upload file contents to a volume",
            [VolumeCommands.Vol(), Opt.File("file"), VolumeCommands.PoolOption(), Offset(), Length(), Opt.Flag("sparse", "preserve sparseness of volume")], UploadAsync),
        new("vol-download", CommandGroup.Volume, "download volume contents to a file", "Download volume contents to a file.",
            [VolumeCommands.Vol(), Opt.File("file"), VolumeCommands.PoolOption(), Offset(), Length(), Opt.Flag("sparse", "preserve sparseness of volume")], DownloadAsync),
    ];

    private static OptionDef Offset() => new("offset", OptionKind.String, "volume offset to upload to");

    private static OptionDef Length() => new("length", OptionKind.String, "amount of data to upload");

    private static async Task<bool> UploadAsync(CommandContext c, CancellationToken ct)
    {
        var (offset, length) = Range(c);
        var volume = await VolumeCommands.LookupAsync(c, ct);
        var file = c.Args.Required("file");
        var name = c.Args.Required("vol");
        FileStream source;
        try
        {
            source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw VshError.Of($"cannot read {file}");
        }
        await using (source)
        {
            var connection = await c.ConnectionAsync(ct);
            try
            {
                var job = await connection.UploadVolumeAsync(VolumeCommands.Ref(volume), source, offset, length, null, c.Args.Bool("sparse"), ct);
                c.Session.Debug(0, job.Result is { LocalFile: true }
                    ? "vol-upload: local fast path (virtd copied from the file through its descriptor)"
                    : "vol-upload: streamed");
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e, $"cannot upload to volume {name}");
            }
        }
        if (c.Json)
        {
            VolumeCommands.Report(c, volume, "uploaded", "");
        }
        return true;
    }

    private static async Task<bool> DownloadAsync(CommandContext c, CancellationToken ct)
    {
        var (offset, length) = Range(c);
        var volume = await VolumeCommands.LookupAsync(c, ct);
        var file = c.Args.Required("file");
        var name = c.Args.Required("vol");
        var created = !File.Exists(file);
        FileStream target;
        try
        {
            // A new file is created, not created and then truncated (what FileMode.Create does): on ext4, truncating
            // to zero marks the file for a write-back of everything written into it at close (auto_da_alloc), which
            // made vsh's exit wait ~180 ms per GiB downloaded (tools/bench/README.md, storage). An existing file is
            // truncated as virsh does.
            target = new FileStream(file, created ? FileMode.CreateNew : FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw VshError.Of($"cannot create {file}");
        }
        var ok = false;
        try
        {
            await using (target)
            {
                var connection = await c.ConnectionAsync(ct);
                try
                {
                    var header = await connection.DownloadVolumeAsync(VolumeCommands.Ref(volume), target, offset, length, null, c.Args.Bool("sparse"), ct);
                    c.Session.Debug(0, header.LocalFile
                        ? "vol-download: local fast path (virtd copied into the file through its descriptor)"
                        : "vol-download: streamed");
                    ok = true;
                }
                catch (VirtClientException e)
                {
                    throw VshError.FromClient(e, $"cannot download from volume {name}");
                }
            }
        }
        finally
        {
            if (!ok && created)
            {
                File.Delete(file);
            }
        }
        if (c.Json)
        {
            VolumeCommands.Report(c, volume, "downloaded", "");
        }
        return true;
    }

    private static (ulong Offset, ulong Length) Range(CommandContext c)
    {
        ulong Parse(string option)
        {
            var text = c.Args.String(option);
            if (text is null)
            {
                return 0;
            }
            return ScaledSize.TryParse(text, out var value) ? value : throw VshError.Of($"Unable to parse integer parameter to --{option}");
        }
        return (Parse("offset"), Parse("length"));
    }
}
