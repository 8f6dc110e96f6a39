using System.Text;
using System.Xml;
using System.Xml.Linq;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh's undefine (cmdUndefine, virsh-domain.c): the options are checked, the domain's disks are matched to storage
/// volumes on the client (by pool and volume name, else by path) before anything changes, the domain is undefined,
/// and only then are the chosen volumes wiped and deleted, one by one, each with its own line. A volume that cannot
/// be looked up is reported and skipped; a name in <c>--storage</c> that matches no disk stops the command before the
/// undefine. NVRAM and the other flags are the server's (UndefineDomainRequest).
/// </summary>
internal static class UndefineCommand
{
    public static CommandDef Definition() =>
        new("undefine", CommandGroup.Domain, "undefine a domain", "Undefine an inactive domain, or convert persistent to transient.",
        [
            Opt.Domain(),
            Opt.Flag("managed-save", "remove domain managed state file"),
            new("storage", OptionKind.String, "remove associated storage volumes (comma separated list of targets or source paths) (see domblklist)"),
            Opt.Flag("remove-all-storage", "remove all associated storage volumes (use with caution)"),
            Opt.Flag("delete-storage-volume-snapshots", "delete snapshots associated with volume(s), requires --remove-all-storage (must be supported by storage driver)"),
            Opt.Flag("wipe-storage", "wipe data on the removed volumes"),
            Opt.Flag("snapshots-metadata", "remove all domain snapshot metadata (vm must be inactive)"),
            Opt.Flag("checkpoints-metadata", "remove all domain checkpoint metadata (vm must be inactive)"),
            Opt.Flag("nvram", "remove nvram file"),
            Opt.Flag("keep-nvram", "keep nvram file"),
            Opt.Flag("tpm", "remove TPM state"),
            Opt.Flag("keep-tpm", "keep TPM state"),
        ], UndefineAsync);

    // virsh's XPath: string(./source/@file|./source/@dir|./source/@name|./source/@dev|./source/@volume).
    private static readonly string[] _sourceAttributes = ["file", "dir", "name", "dev", "volume"];

    /// <summary>A disk whose volume is to be removed: its target, its source as the XML names it, and the volume found.</summary>
    private sealed record Removal(string Target, string Source, Proto.VolumeSummary Volume);

    private static async Task<bool> UndefineAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        if (a.Bool("delete-storage-volume-snapshots") && !a.Bool("remove-all-storage"))
        {
            throw VshError.Of("Option --remove-all-storage is required by option --delete-storage-volume-snapshots");
        }

        a.Exclusive("nvram", "keep-nvram");
        a.Exclusive("tpm", "keep-tpm");
        // virsh reads --storage quietly: an empty value is as if it were not given.
        var storage = a.String("storage") is { Length: > 0 } text ? text : null;
        var removeAll = a.Bool("remove-all-storage");
        var wipe = a.Bool("wipe-storage");
        if (storage is null && !removeAll && wipe)
        {
            throw VshError.Of("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
        }

        var argument = a.Required("domain");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var removals = new List<Removal>();
        if (storage is not null || removeAll)
        {
            if (domain.Domain.Id > 0)
            {
                throw VshError.Of("Storage volume deletion is supported only on stopped domains");
            }

            if (storage is not null && removeAll)
            {
                throw VshError.Of("Specified both --storage and --remove-all-storage");
            }

            string xml;
            try
            {
                xml = await connection.GetDomainXmlAsync(domain.Domain.Uuid, ct: ct);
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e, "Could not retrieve domain XML description");
            }

            var wanted = storage is null ? null : SplitList(storage);
            removals = await FindVolumesAsync(c, connection, xml, wanted, ct);
            var unmatched = wanted?.Where(w => w is not null).ToList() ?? [];
            if (unmatched.Count > 0)
            {
                throw VshError.Of([.. unmatched.Select(u => $"Volume '{u}' was not found in domain's definition.\n")]);
            }
        }

        if (domain.HasManagedSave && !a.Bool("managed-save"))
        {
            // virsh refuses by itself, without a "Failed to undefine" line (cmdUndefine's piecewise fallback).
            throw VshError.Of("Refusing to undefine while domain managed save image exists");
        }

        try
        {
            await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.UndefineDomainAsync(new Proto.UndefineDomainRequest
            {
                Domain = r,
                ManagedSave = a.Bool("managed-save"),
                SnapshotsMetadata = a.Bool("snapshots-metadata"),
                CheckpointsMetadata = a.Bool("checkpoints-metadata"),
                Nvram = a.Bool("nvram"),
                KeepNvram = a.Bool("keep-nvram"),
                Tpm = a.Bool("tpm"),
                KeepTpm = a.Bool("keep-tpm"),
            }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to undefine domain '{argument}'");
        }

        if (!c.Json)
        {
            c.PrintExtra($"Domain '{argument}' has been undefined\n");
        }

        var (removed, failure) = await RemoveAsync(c, connection, removals, wipe, a.Bool("delete-storage-volume-snapshots"), ct);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("result", "undefined");
                w.WriteStartArray("removed_volumes");
                foreach (var r in removed)
                {
                    w.WriteStartObject();
                    w.WriteString("target", r.Target);
                    w.WriteString("source", r.Source);
                    w.WriteString("path", r.Volume.Volume.Path);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
        }

        // virsh reports the last library error once the command has failed.
        return failure is null ? true : throw VshError.FromClient(failure);
    }

    /// <summary>
    /// The volumes of the domain's disks to remove: every disk with a source (<paramref name="wanted"/> null), or those
    /// whose target or source is in <paramref name="wanted"/> (each entry matched is set to null there). A disk whose
    /// pool or volume cannot be found is reported with virsh's words and skipped.
    /// </summary>
    private static async Task<List<Removal>> FindVolumesAsync(CommandContext c, VirtConnection connection, string xml, List<string?>? wanted, CancellationToken ct)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(xml);
        }
        catch (XmlException e)
        {
            throw VshError.Of($"XML error: {e.Message}");
        }

        var removals = new List<Removal>();
        foreach (var disk in document.Root?.Element("devices")?.Elements("disk") ?? [])
        {
            var target = (string?)disk.Element("target")?.Attribute("dev") ?? throw VshError.Of("Failed to enumerate devices");
            var sourceElement = disk.Element("source");
            var source = sourceElement is null ? null
                : _sourceAttributes.Select(n => (string?)sourceElement.Attribute(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            if (source is null)
            {
                continue;
            }

            if (wanted is not null)
            {
                var index = wanted.FindIndex(w => w == target || w == source);
                if (index < 0)
                {
                    continue;
                }

                wanted[index] = null;
            }

            Proto.VolumeRef reference;
            if ((string?)sourceElement!.Attribute("pool") is { Length: > 0 } pool)
            {
                Proto.PoolSummary found;
                try
                {
                    found = await connection.LookupPoolAsync(pool, ct);
                }
                catch (VirtClientException)
                {
                    c.Session.Terminal.Error($"Storage pool '{pool}' for volume '{target}' not found.");
                    continue;
                }

                reference = new Proto.VolumeRef { PoolVolume = new Proto.VolumeName { Pool = new Proto.PoolRef { Uuid = found.Pool.Uuid }, Name = source } };
            }
            else
            {
                reference = new Proto.VolumeRef { Path = source };
            }

            try
            {
                var volume = (await connection.StorageCallAsync(s => s.LookupVolumeAsync(new Proto.LookupVolumeRequest { Volume = reference }, cancellationToken: ct))).Volume;
                removals.Add(new Removal(target, source, volume));
            }
            catch (VirtClientException)
            {
                c.Session.Terminal.Error($"Storage volume '{target}'({source}) is not managed by libvirt. Remove it manually.\n");
            }
        }

        return removals;
    }

    /// <summary>Wipes (when asked) and deletes each volume after the undefine; a failure is reported and the rest go on.</summary>
    private static async Task<(List<Removal> Removed, VirtClientException? LastFailure)> RemoveAsync(
        CommandContext c, VirtConnection connection, List<Removal> removals, bool wipe, bool withSnapshots, CancellationToken ct)
    {
        var removed = new List<Removal>();
        VirtClientException? last = null;
        foreach (var r in removals)
        {
            var reference = VolumeCommands.Ref(r.Volume);
            if (wipe)
            {
                if (!c.Json)
                {
                    c.PrintExtra($"Wiping volume '{r.Target}'({r.Source}) ... ");
                    c.Session.Terminal.Out.Flush();
                }

                try
                {
                    await connection.StorageCallAsync(s => s.WipeVolumeAsync(new Proto.WipeVolumeRequest { Volume = reference, Algorithm = Proto.WipeAlgorithm.Zero, Wait = true }, cancellationToken: ct));
                }
                catch (VirtClientException e)
                {
                    c.Session.Terminal.Error("Failed! Volume not removed.");
                    last = e;
                    continue;
                }

                if (!c.Json)
                {
                    c.PrintExtra("Done.\n");
                }
            }

            try
            {
                await connection.StorageCallAsync(s => s.DeleteVolumeAsync(new Proto.DeleteVolumeRequest { Volume = reference, WithSnapshots = withSnapshots }, cancellationToken: ct));
            }
            catch (VirtClientException e)
            {
                c.Session.Terminal.Error($"Failed to remove storage volume '{r.Target}'({r.Source})");
                last = e;
                continue;
            }

            removed.Add(r);
            if (!c.Json)
            {
                c.PrintExtra($"Volume '{r.Target}'({r.Source}) removed.\n");
            }
        }

        return (removed, last);
    }

    /// <summary>vshStringToArray: comma-separated, with <c>,,</c> standing for a comma inside an item.</summary>
    private static List<string?> SplitList(string text)
    {
        var items = new List<string?>();
        var item = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != ',')
            {
                item.Append(text[i]);
            }
            else if (i + 1 < text.Length && text[i + 1] == ',')
            {
                item.Append(',');
                i++;
            }
            else
            {
                items.Add(item.ToString());
                item.Clear();
            }
        }

        items.Add(item.ToString());
        return items;
    }
}
