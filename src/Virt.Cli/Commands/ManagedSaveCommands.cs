using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// <c>managedsave</c>, <c>managedsave-remove</c>, <c>managedsave-dumpxml</c>, <c>managedsave-define</c>
/// (virsh-domain.c cmdManagedSave, cmdManagedSaveRemove, cmdManagedSaveDumpxml, cmdManagedSaveDefine). start restores
/// the image and undefine refuses it (DomainLifecycleCommands).
/// </summary>
internal static class ManagedSaveCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("managedsave", CommandGroup.Domain, "managed save of a domain state",
            "Save and destroy a running domain, so it can be restarted from\n    the same state at a later time.  When the virsh 'start'\n    command is next run for the domain, it will automatically\n    be started from this saved state.",
        [
            Opt.Domain(),
            Opt.Flag("bypass-cache", "avoid file system cache when saving"),
            SaveCommands.ImageFormatOption(),
            Opt.Flag("running", "set domain to be running on next start"),
            Opt.Flag("paused", "set domain to be paused on next start"),
            Opt.Flag("verbose", "display the progress of save"),
        ], ManagedSaveAsync),
        new("managedsave-remove", CommandGroup.Domain, "Remove managed save of a domain", "Remove an existing managed save state file from a domain",
            [Opt.Domain()], RemoveAsync),
        new("managedsave-dumpxml", CommandGroup.Domain, "Domain information of managed save state file in XML",
            "Dump XML of domain information for a managed save state file to stdout.",
            [Opt.Domain(), Opt.Flag("security-info", "include security sensitive information in XML dump")], DumpXmlAsync),
        new("managedsave-define", CommandGroup.Domain, "redefine the XML for a domain's managed save state file",
            "Replace the domain XML associated with a managed save state file",
        [
            Opt.Domain(),
            new("xml", OptionKind.String, "filename containing updated XML for the target", Required: true),
            Opt.Flag("running", "set domain to be running on start"),
            Opt.Flag("paused", "set domain to be paused on start"),
        ], DefineAsync),
    ];

    private static async Task<bool> ManagedSaveAsync(CommandContext c, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        var state = SaveCommands.State(c);
        var verbose = c.Args.Bool("verbose");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var request = new Proto.ManagedSaveDomainRequest
        {
            State = state,
            BypassCache = c.Args.Bool("bypass-cache"),
            ImageFormat = c.Args.String("image-format") ?? "",
            Wait = !verbose,
        };
        var failed = $"Failed to save domain '{argument}' state";
        using var interrupt = JobInterrupt.AbortJobOn(connection, domain.Domain.Uuid);
        try
        {
            var job = await connection.ManagedSaveDomainAsync(domain.Domain.Uuid, request, ct);
            if (verbose)
            {
                job = await JobProgressLine.FollowAsync(c, connection, job, "Managedsave", newlineAfterSuccess: false, ct);
                if (job.State != Proto.JobState.Succeeded)
                {
                    throw VshError.Of(failed, job.Error?.Message ?? $"the managed save job ended {job.State}");
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
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("result", "saved");
            });
        }
        else
        {
            c.PrintExtra($"\nDomain '{argument}' state saved by libvirt\n");
        }
        return true;
    }

    private static async Task<bool> RemoveAsync(CommandContext c, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        var domain = await Lookup.DomainAsync(c, ct);
        // virsh asks first (virDomainHasManagedSaveImage) and skips the removal when there is nothing to remove.
        if (!domain.HasManagedSave)
        {
            Report(c, domain, "skipped", $"Domain '{argument}' has no manage save image; removal skipped");
            return true;
        }
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.RemoveManagedSaveAsync(domain.Domain.Uuid, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to remove managed save image for domain '{argument}'");
        }
        Report(c, domain, "removed", $"Removed managedsave image for domain '{argument}'");
        return true;
    }

    private static async Task<bool> DumpXmlAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        string xml;
        try
        {
            xml = await connection.GetManagedSaveXmlAsync(domain.Domain.Uuid, c.Args.Bool("security-info"), ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        c.PrintXml(xml);
        return true;
    }

    private static async Task<bool> DefineAsync(CommandContext c, CancellationToken ct)
    {
        var state = SaveCommands.State(c);
        var xml = await XmlFiles.ReadAsync(c.Args.Required("xml"), ct);
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.DefineManagedSaveXmlAsync(domain.Domain.Uuid, xml, state, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to update {domain.Domain.Name} XML configuration");
        }
        Report(c, domain, "updated", $"Managed save state file of domain '{domain.Domain.Name}' updated.\n");
        return true;
    }

    private static void Report(CommandContext c, Proto.DomainSummary domain, string result, string text)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("result", result);
            });
        }
        else
        {
            c.PrintExtra(text);
        }
    }
}
