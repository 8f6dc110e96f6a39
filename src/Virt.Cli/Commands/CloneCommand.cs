using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// clone: virt-clone as a vsh command (virsh has none). <c>clone DOMAIN NAME [--file PATH]… [--auto-clone]
/// [--skip-copy TARGET] [--uuid UUID] [--preserve-macs]</c>. As virt-clone: each disk to copy needs a --file (in disk
/// order) unless --auto-clone names the copies after the clone beside the originals; read-only and shareable disks
/// and CD-ROMs are shared, not copied; every interface gets a new MAC; the original must be shut off or paused.
/// </summary>
internal static class CloneCommand
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("clone", CommandGroup.Domain, "clone a domain (virt-clone)",
            "Copy a shut-off or paused domain under a new name, with a new UUID and MAC addresses, and its disks copied with qemu-img.",
        [
            Opt.Domain("the original domain: name, id or uuid"),
            new("name", OptionKind.String, "name of the new domain", Required: true),
            new("uuid", OptionKind.String, "UUID of the new domain (default: generated)"),
            new("skip-copy", OptionKind.String, "disk target not to copy: the clone shares it"),
            Opt.Flag("auto-clone", "name the disk copies after the new domain, beside the originals"),
            Opt.Flag("preserve-macs", "keep the original MAC addresses"),
            new("file", OptionKind.Argv, "path for a disk copy, one per copied disk, in disk order"),
            Opt.Flag("verbose", "display the progress of the clone"),
        ], CloneAsync),
    ];

    private static async Task<bool> CloneAsync(CommandContext c, CancellationToken ct)
    {
        var name = c.Args.Required("name");
        var files = c.Args.Argv("file");
        var auto = c.Args.Bool("auto-clone");
        var skip = c.Args.String("skip-copy");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var request = new Proto.CloneDomainRequest { NewName = name, NewUuid = c.Args.String("uuid") ?? "", KeepMacs = c.Args.Bool("preserve-macs"), Wait = !c.Args.Bool("verbose") };
        if (skip is not null)
        {
            request.Disks.Add(new Proto.CloneDisk { Target = skip, Mode = Proto.CloneDiskMode.Share });
        }
        if (files.Count > 0 || !auto)
        {
            // The disks the daemon would copy, in order, each given its --file (virt-clone's rule).
            var xml = await connection.GetDomainXmlAsync(domain.Domain.Uuid, inactive: true, ct: ct);
            var copied = CopiedDisks(xml).Where(t => t != skip).ToList();
            if (files.Count > copied.Count)
            {
                throw VshError.Of($"clone: {files.Count} --file paths given, but the domain has {copied.Count} disk(s) to copy");
            }
            if (files.Count < copied.Count && !auto)
            {
                throw VshError.Of($"clone: disk {copied[files.Count]} needs a --file path for its copy; give one per disk ({string.Join(", ", copied)}) or use --auto-clone");
            }
            for (var i = 0; i < files.Count; i++)
            {
                request.Disks.Add(new Proto.CloneDisk { Target = copied[i], Mode = Proto.CloneDiskMode.Copy, NewPath = Path.GetFullPath(files[i]) });
            }
        }
        Proto.Job job;
        var failed = $"Failed to clone domain '{c.Args.Required("domain")}'";
        using var interrupt = JobInterrupt.AbortJobOn(connection, domain.Domain.Uuid);
        try
        {
            job = await connection.CloneDomainAsync(domain.Domain.Uuid, request, ct);
            if (!request.Wait)
            {
                // --verbose follows the CLONE job (qemu-img's progress) with virsh's progress line.
                job = await JobProgressLine.FollowAsync(c, connection, job, "Clone", newlineAfterSuccess: true, ct);
                if (job.State != Proto.JobState.Succeeded)
                {
                    throw VshError.Of(failed, job.Error?.Message ?? $"the clone job ended {job.State}");
                }
            }
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, failed);
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", job.Result.Domain);
                w.WriteDomain("original", domain.Domain);
                w.WriteString("result", "cloned");
            });
        }
        else
        {
            c.PrintExtra($"Domain '{job.Result.Domain.Name}' cloned from '{domain.Domain.Name}'\n");
        }
        return true;
    }

    /// <summary>The targets of the disks virt-clone copies by default: writable, not shareable, not CD-ROM or floppy, with a source.</summary>
    private static IEnumerable<string> CopiedDisks(string xml)
    {
        var document = System.Xml.Linq.XDocument.Parse(xml);
        foreach (var disk in document.Root?.Element("devices")?.Elements("disk") ?? [])
        {
            var device = (string?)disk.Attribute("device") ?? "disk";
            if (device is "cdrom" or "floppy" || disk.Element("readonly") is not null || disk.Element("shareable") is not null || disk.Element("source") is null)
            {
                continue;
            }
            if ((string?)disk.Element("target")?.Attribute("dev") is { } target)
            {
                yield return target;
            }
        }
    }
}
