using System.Globalization;
using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>vol-list, vol-info, vol-dumpxml, vol-path, vol-key, vol-name, vol-pool, vol-create, vol-create-as,
/// vol-create-from, vol-clone, vol-delete, vol-wipe, vol-resize (virsh-volume.c).</summary>
internal static class VolumeCommands
{
    private static readonly string[] _algorithms = ["zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim"];

    public static IEnumerable<CommandDef> All() =>
    [
        new("vol-list", CommandGroup.Volume, "list vols", "Returns list of vols by pool.",
            [Opt.Pool(), Opt.Flag("details", "display extended details for volumes")], ListAsync),
        new("vol-info", CommandGroup.Volume, "storage vol information", "Returns basic information about the storage vol.",
            [Vol(), PoolOption(), Opt.Flag("bytes", "Return the count of bytes instead of the pretty printed form"), Opt.Flag("physical", "return the physical size of the volume in allocation field")], InfoAsync),
        new("vol-dumpxml", CommandGroup.Volume, "vol information in XML", "Output the vol information as an XML dump to stdout.",
            [Vol(), PoolOption()], DumpXmlAsync),
        new("vol-path", CommandGroup.Volume, "returns the volume path for a given volume name or key", "Returns the volume path for a given volume name or key.",
            [new("vol", OptionKind.String, "volume name or key", Required: true), PoolOption()], (c, ct) => PrintFieldAsync(c, v => v.Volume.Path, "path", ct)),
        new("vol-key", CommandGroup.Volume, "returns the volume key for a given volume name or path", "Returns the volume key for a given volume name or path.",
            [new("vol", OptionKind.String, "volume name or path", Required: true), PoolOption()], (c, ct) => PrintFieldAsync(c, v => v.Volume.Key, "key", ct)),
        new("vol-name", CommandGroup.Volume, "returns the volume name for a given volume key or path", "Returns the volume name for a given volume key or path.",
            [new("vol", OptionKind.String, "volume key or path", Required: true)], (c, ct) => PrintFieldAsync(c, v => v.Volume.Name, "name", ct)),
        new("vol-pool", CommandGroup.Volume, "returns the storage pool for a given volume key or path", "Returns the storage pool for a given volume key or path.",
            [new("vol", OptionKind.String, "volume key or path", Required: true), Opt.Flag("uuid", "return the pool uuid rather than pool name")], PoolOfAsync),
        new("vol-create", CommandGroup.Volume, "create a vol from an XML file", "Create a vol.",
        [
            Opt.Pool(),
            Opt.File("file containing an XML vol description"),
            Opt.Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
            Opt.Flag("validate", "validate the XML against the schema"),
        ], CreateAsync),
        new("vol-create-as", CommandGroup.Volume, "create a volume from a set of args", "Create a vol.",
        [
            Opt.Pool(),
            new("name", OptionKind.String, "name of the volume", Required: true),
            new("capacity", OptionKind.String, "size of the vol, as scaled integer (default bytes)", Required: true),
            new("allocation", OptionKind.String, "initial allocation size, as scaled integer (default bytes)"),
            new("format", OptionKind.String, "file format type raw,bochs,qcow,qcow2,qed,vmdk"),
            new("backing-vol", OptionKind.String, "the backing volume if taking a snapshot"),
            new("backing-vol-format", OptionKind.String, "format of backing volume if taking a snapshot"),
            Opt.Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
            Opt.Flag("print-xml", "print XML document, but don't define/create"),
        ], CreateAsAsync),
        new("vol-create-from", CommandGroup.Volume, "create a vol, using another volume as input", "Create a vol from an existing volume.",
        [
            new("pool", OptionKind.String, "pool name", Required: true),
            Opt.File("file containing an XML vol description"),
            new("vol", OptionKind.String, "input vol name or key", Required: true),
            new("inputpool", OptionKind.String, "pool name or uuid of the input vol's pool"),
            Opt.Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
            Opt.Flag("reflink", "use btrfs COW lightweight copy"),
            Opt.Flag("validate", "validate the XML against the schema"),
        ], CreateFromAsync),
        new("vol-clone", CommandGroup.Volume, "clone a volume.", "Clone an existing volume within the parent pool.",
        [
            new("vol", OptionKind.String, "orig vol name or key", Required: true),
            new("newname", OptionKind.String, "clone name", Required: true),
            PoolOption(),
            Opt.Flag("prealloc-metadata", "preallocate metadata (for qcow2 instead of full allocation)"),
            Opt.Flag("reflink", "use btrfs COW lightweight copy"),
        ], CloneAsync),
        new("vol-delete", CommandGroup.Volume, "delete a vol", "Delete a given vol.",
            [Vol(), PoolOption(), Opt.Flag("delete-snapshots", "delete snapshots associated with volume (must be supported by storage driver)")], DeleteAsync),
        new("vol-wipe", CommandGroup.Volume, "wipe a vol", "Ensure data previously on a volume is not accessible to future reads.",
            [Vol(), PoolOption(), new("algorithm", OptionKind.String, "perform selected wiping algorithm")], WipeAsync),
        new("vol-resize", CommandGroup.Volume, "resize a vol", "Resizes a storage volume. This is safe only for storage volumes not in use by an active guest.",
        [
            Vol(),
            new("capacity", OptionKind.String, "new capacity for the vol, as scaled integer (default bytes)", Required: true),
            PoolOption(),
            Opt.Flag("allocate", "allocate the new capacity, rather than leaving it sparse"),
            Opt.Flag("delta", "use capacity as a delta to current size, rather than the new size"),
            Opt.Flag("shrink", "allow the resize to shrink the volume"),
        ], ResizeAsync),
    ];

    public static OptionDef Vol() => new("vol", OptionKind.String, "vol name, key or path", Required: true);

    public static OptionDef PoolOption() => new("pool", OptionKind.String, "pool name or uuid");

    /// <summary>
    /// virshCommandOptVolBy: with --pool, by name in that pool; then by key, then by path. A miss prints virsh's line and
    /// libvirt's by-path message.
    /// </summary>
    public static async Task<Proto.VolumeSummary> LookupAsync(CommandContext c, CancellationToken ct, string option = "vol", string poolOption = "pool")
    {
        var vol = c.Args.Required(option);
        var connection = await c.ConnectionAsync(ct);
        VirtClientException? last = null;
        if (c.Args.String(poolOption) is not null)
        {
            var pool = await PoolCommands.LookupAsync(c, ct, poolOption);
            try
            {
                return await LookupAsync(connection, new Proto.VolumeRef { PoolVolume = new Proto.VolumeName { Pool = new Proto.PoolRef { Uuid = pool.Pool.Uuid }, Name = vol } }, ct);
            }
            catch (VirtClientException e)
            {
                last = e;
            }
        }
        foreach (var reference in new[] { new Proto.VolumeRef { Key = vol }, vol.StartsWith('/') ? new Proto.VolumeRef { Path = vol } : null })
        {
            if (reference is null)
            {
                continue;
            }
            try
            {
                return await LookupAsync(connection, reference, ct);
            }
            catch (VirtClientException e)
            {
                last = e;
            }
        }
        var notFound = $"Storage volume not found: no storage vol with matching path '{vol}'";
        throw last is null || last.Code == Grpc.Core.StatusCode.NotFound || last.Code == Grpc.Core.StatusCode.InvalidArgument
            ? (last is null ? VshError.Of($"failed to get vol '{vol}'", notFound) : VshError.Replacing(last, $"failed to get vol '{vol}'", notFound))
            : VshError.FromClient(last, $"failed to get vol '{vol}'");
    }

    public static Proto.VolumeRef Ref(Proto.VolumeSummary volume) => new() { Path = volume.Volume.Path };

    public static void WriteVolume(System.Text.Json.Utf8JsonWriter w, Proto.VolumeSummary v)
    {
        w.WriteString("name", v.Volume.Name);
        w.WriteString("pool", v.Volume.Pool.Name);
        w.WriteString("key", v.Volume.Key);
        w.WriteString("path", v.Volume.Path);
        w.WriteString("type", VolumeFormatter.TypeText((int)v.Type));
        w.WriteString("format", v.Format);
        w.WriteNumber("capacity_bytes", v.CapacityBytes);
        w.WriteNumber("allocation_bytes", v.AllocationBytes);
        w.WriteNumber("physical_bytes", v.PhysicalBytes);
        if (v.BackingPath.Length > 0)
        {
            w.WriteString("backing_path", v.BackingPath);
        }
        else
        {
            w.WriteNull("backing_path");
        }
    }

    public static void Report(CommandContext c, Proto.VolumeSummary? volume, string result, string text)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                if (volume is not null)
                {
                    w.WriteStartObject("volume");
                    WriteVolume(w, volume);
                    w.WriteEndObject();
                }
                w.WriteString("result", result);
            });
        }
        else
        {
            c.PrintExtra(text);
        }
    }

    private static async Task<Proto.VolumeSummary> LookupAsync(VirtConnection connection, Proto.VolumeRef reference, CancellationToken ct) =>
        (await connection.StorageCallAsync(s => s.LookupVolumeAsync(new Proto.LookupVolumeRequest { Volume = reference }, cancellationToken: ct))).Volume;

    private static VolumeRow Row(Proto.VolumeSummary v) =>
        new(v.Volume.Name, v.Volume.Path, VolumeFormatter.TypeText((int)v.Type), v.CapacityBytes, v.AllocationBytes, v.PhysicalBytes);

    private static async Task<bool> ListAsync(CommandContext c, CancellationToken ct)
    {
        var pool = await PoolCommands.LookupAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        IReadOnlyList<Proto.VolumeSummary> volumes;
        try
        {
            volumes = (await connection.StorageCallAsync(s => s.ListVolumesAsync(new Proto.ListVolumesRequest { Pool = new Proto.PoolRef { Uuid = pool.Pool.Uuid } }, cancellationToken: ct))).Volumes;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, "Failed to list volumes");
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("volumes");
                foreach (var v in volumes)
                {
                    w.WriteStartObject();
                    WriteVolume(w, v);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return true;
        }
        c.Finish(VolumeFormatter.List(volumes.Select(Row), c.Args.Bool("details"), c.Text));
        return true;
    }

    private static async Task<bool> InfoAsync(CommandContext c, CancellationToken ct)
    {
        var volume = await LookupAsync(c, ct);
        if (c.Json)
        {
            c.WriteJson(w => WriteVolume(w, volume));
            return true;
        }
        c.Finish(VolumeFormatter.Info(Row(volume), c.Args.Bool("bytes"), c.Args.Bool("physical"), c.Text));
        return true;
    }

    private static async Task<bool> DumpXmlAsync(CommandContext c, CancellationToken ct)
    {
        var volume = await LookupAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        string xml;
        try
        {
            xml = (await connection.StorageCallAsync(s => s.GetVolumeXmlAsync(new Proto.GetVolumeXmlRequest { Volume = Ref(volume) }, cancellationToken: ct))).Xml;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        c.PrintXml(xml);
        return true;
    }

    private static async Task<bool> PrintFieldAsync(CommandContext c, Func<Proto.VolumeSummary, string> field, string name, CancellationToken ct)
    {
        var volume = await LookupAsync(c, ct);
        if (c.Json)
        {
            c.WriteJson(w => w.WriteString(name, field(volume)));
        }
        else
        {
            c.Print(field(volume) + "\n");
        }
        return true;
    }

    private static async Task<bool> PoolOfAsync(CommandContext c, CancellationToken ct)
    {
        var volume = await LookupAsync(c, ct);
        var text = c.Args.Bool("uuid") ? volume.Volume.Pool.Uuid : volume.Volume.Pool.Name;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("pool", volume.Volume.Pool.Name);
                w.WriteString("uuid", volume.Volume.Pool.Uuid);
            });
        }
        else
        {
            c.Print(text + "\n");
        }
        return true;
    }

    private static async Task<bool> CreateAsync(CommandContext c, CancellationToken ct)
    {
        var pool = await PoolCommands.LookupAsync(c, ct);
        var file = c.Args.Required("file");
        var xml = await XmlFiles.ReadAsync(file, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.VolumeSummary volume;
        try
        {
            var request = new Proto.CreateVolumeRequest { Pool = new Proto.PoolRef { Uuid = pool.Pool.Uuid }, Xml = xml, PreallocMetadata = c.Args.Bool("prealloc-metadata"), Validate = c.Args.Bool("validate") };
            volume = (await connection.StorageCallAsync(s => s.CreateVolumeAsync(request, cancellationToken: ct))).Volume;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to create vol from {file}");
        }
        Report(c, volume, "created", $"Vol {volume.Volume.Name} created from {file}\n");
        return true;
    }

    private static async Task<bool> CreateAsAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var pool = await PoolCommands.LookupAsync(c, ct);
        var name = a.Required("name");
        var capacityText = a.Required("capacity");
        if (!ScaledSize.TryParse(capacityText, out var capacity))
        {
            throw VshError.Of($"Malformed size {capacityText}");
        }
        var request = new Proto.CreateVolumeAsRequest
        {
            Pool = new Proto.PoolRef { Uuid = pool.Pool.Uuid },
            Name = name,
            CapacityBytes = capacity,
            Format = a.String("format") ?? "",
            BackingVolume = a.String("backing-vol") ?? "",
            BackingFormat = a.String("backing-vol-format") ?? "",
            PreallocMetadata = a.Bool("prealloc-metadata"),
            PrintXml = a.Bool("print-xml"),
        };
        if (a.String("allocation") is { } allocationText)
        {
            request.AllocationBytes = ScaledSize.TryParse(allocationText, out var allocation) ? allocation : throw VshError.Of($"Malformed size {allocationText}");
        }
        var connection = await c.ConnectionAsync(ct);
        Proto.CreateVolumeAsResponse reply;
        try
        {
            reply = await connection.StorageCallAsync(s => s.CreateVolumeAsAsync(request, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to create vol {name}");
        }
        if (request.PrintXml)
        {
            if (c.Json)
            {
                c.WriteJson(w => w.WriteString("xml", reply.Xml));
            }
            else
            {
                c.Print(reply.Xml);
            }
            return true;
        }
        Report(c, reply.Volume, "created", $"Vol {name} created\n");
        return true;
    }

    private static async Task<bool> CreateFromAsync(CommandContext c, CancellationToken ct)
    {
        var pool = await PoolCommands.LookupAsync(c, ct);
        var file = c.Args.Required("file");
        var input = await LookupAsync(c, ct, "vol", "inputpool");
        var xml = await XmlFiles.ReadAsync(file, ct);
        var request = new Proto.CreateVolumeFromRequest
        {
            Source = Ref(input),
            Pool = new Proto.PoolRef { Uuid = pool.Pool.Uuid },
            Xml = xml,
            PreallocMetadata = c.Args.Bool("prealloc-metadata"),
            Reflink = c.Args.Bool("reflink"),
            Validate = c.Args.Bool("validate"),
            Wait = true,
        };
        var volume = await CopyAsync(c, request, $"Failed to create vol from {file}", ct);
        Report(c, volume, "created", $"Vol {volume.Volume.Name} created from input vol {input.Volume.Name}\n");
        return true;
    }

    private static async Task<bool> CloneAsync(CommandContext c, CancellationToken ct)
    {
        var input = await LookupAsync(c, ct);
        var newName = c.Args.Required("newname");
        var request = new Proto.CreateVolumeFromRequest
        {
            Source = Ref(input),
            NewName = newName,
            PreallocMetadata = c.Args.Bool("prealloc-metadata"),
            Reflink = c.Args.Bool("reflink"),
            Wait = true,
        };
        var volume = await CopyAsync(c, request, $"Failed to clone vol from {input.Volume.Name}", ct);
        Report(c, volume, "cloned", $"Vol {newName} cloned from {input.Volume.Name}\n");
        return true;
    }

    private static async Task<Proto.VolumeSummary> CopyAsync(CommandContext c, Proto.CreateVolumeFromRequest request, string failure, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        try
        {
            var job = await connection.StorageCallAsync(s => s.CreateVolumeFromAsync(request, cancellationToken: ct));
            var created = job.Result?.Volume ?? job.Volume;
            return await LookupAsync(connection, new Proto.VolumeRef { Path = created.Path }, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, failure);
        }
    }

    private static async Task<bool> DeleteAsync(CommandContext c, CancellationToken ct)
    {
        var volume = await LookupAsync(c, ct);
        var name = c.Args.Required("vol");
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.StorageCallAsync(s => s.DeleteVolumeAsync(new Proto.DeleteVolumeRequest { Volume = Ref(volume), WithSnapshots = c.Args.Bool("delete-snapshots") }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to delete vol {name}");
        }
        Report(c, volume, "deleted", $"Vol {name} deleted\n");
        return true;
    }

    private static async Task<bool> WipeAsync(CommandContext c, CancellationToken ct)
    {
        var volume = await LookupAsync(c, ct);
        var name = c.Args.Required("vol");
        var algorithm = Proto.WipeAlgorithm.Zero;
        if (c.Args.String("algorithm") is { } text)
        {
            var index = Array.IndexOf(_algorithms, text);
            algorithm = index >= 0 ? (Proto.WipeAlgorithm)index : throw VshError.Of($"Unsupported algorithm '{text}'");
        }
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.StorageCallAsync(s => s.WipeVolumeAsync(new Proto.WipeVolumeRequest { Volume = Ref(volume), Algorithm = algorithm, Wait = true }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to wipe vol {name}");
        }
        Report(c, volume, "wiped", $"Vol {name} wiped\n");
        return true;
    }

    private static async Task<bool> ResizeAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var capacityText = a.Required("capacity");
        var delta = a.Bool("delta");
        var shrink = a.Bool("shrink");
        var sizeText = capacityText;
        if (sizeText.StartsWith('-'))
        {
            if (!shrink)
            {
                throw VshError.Of("negative size requires --shrink");
            }
            delta = true;
            sizeText = sizeText[1..];
        }
        if (!ScaledSize.TryParse(sizeText, out var capacity))
        {
            throw VshError.Of($"Malformed size {capacityText}");
        }
        var volume = await LookupAsync(c, ct);
        var name = a.Required("vol");
        var connection = await c.ConnectionAsync(ct);
        Proto.ResizeVolumeResponse reply;
        try
        {
            var request = new Proto.ResizeVolumeRequest { Volume = Ref(volume), CapacityBytes = capacity, Delta = delta, Allocate = a.Bool("allocate"), Shrink = shrink };
            reply = await connection.StorageCallAsync(s => s.ResizeVolumeAsync(request, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to change size of volume '{name}' to {capacityText}");
        }
        Report(c, reply.Volume, "resized", delta
            ? string.Format(CultureInfo.InvariantCulture, "Size of volume '{0}' successfully changed by {1}\n", name, capacityText)
            : string.Format(CultureInfo.InvariantCulture, "Size of volume '{0}' successfully changed to {1}\n", name, capacityText));
        return true;
    }
}
