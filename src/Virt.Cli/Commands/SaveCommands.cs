using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary><c>save</c> and <c>restore</c> (virsh-domain.c cmdSave, cmdRestore) over DomainService's SAVE and RESTORE jobs.</summary>
internal static class SaveCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("save", CommandGroup.Domain, "save a domain state to a file", "Save the RAM state of a running domain.",
        [
            Opt.Domain(),
            new("file", OptionKind.String, "where to save the data", Required: true),
            Opt.Flag("bypass-cache", "avoid file system cache when saving"),
            new("xml", OptionKind.String, "filename containing updated XML for the target"),
            ImageFormatOption(),
            Opt.Flag("running", "set domain to be running on restore"),
            Opt.Flag("paused", "set domain to be paused on restore"),
            Opt.Flag("verbose", "display the progress of save"),
        ], SaveAsync),
        new("restore", CommandGroup.Domain, "restore a domain from a saved state in a file", "Restore a domain.",
        [
            new("file", OptionKind.String, "the state to restore", Required: true),
            Opt.Flag("bypass-cache", "avoid file system cache when restoring"),
            new("xml", OptionKind.String, "filename containing updated XML for the target"),
            Opt.Flag("running", "restore domain into running state"),
            Opt.Flag("paused", "restore domain into paused state"),
            Opt.Flag("reset-nvram", "re-initialize NVRAM from its pristine template"),
        ], RestoreAsync),
    ];

    private static async Task<bool> SaveAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var state = State(c);
        var verbose = c.Args.Bool("verbose");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var request = new Proto.SaveDomainRequest
        {
            Path = Path.GetFullPath(file),
            State = state,
            BypassCache = c.Args.Bool("bypass-cache"),
            Xml = c.Args.String("xml") is { } xmlFile ? await File.ReadAllTextAsync(xmlFile, ct) : "",
            ImageFormat = c.Args.String("image-format") ?? "",
            Wait = !verbose,
        };
        var failed = $"Failed to save domain '{c.Args.Required("domain")}' to {file}";
        using var interrupt = JobInterrupt.AbortJobOn(connection, domain.Domain.Uuid);
        try
        {
            var job = await connection.SaveDomainAsync(domain.Domain.Uuid, request, ct);
            if (verbose)
            {
                job = await JobProgressLine.FollowAsync(c, connection, job, "Save", newlineAfterSuccess: false, ct);
                if (job.State != Proto.JobState.Succeeded)
                {
                    throw VshError.Of(failed, job.Error?.Message ?? $"the save job ended {job.State}");
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
                w.WriteString("file", file);
                w.WriteString("result", "saved");
            });
        }
        else
        {
            c.PrintExtra($"\nDomain '{domain.Domain.Name}' saved to {file}\n");
        }
        return true;
    }

    /// <summary>
    /// virsh 11.2's --image-format (save and managedsave): virtd checks the name, as libvirtd does, so vsh needs no
    /// list of its own.
    /// </summary>
    internal static OptionDef ImageFormatOption() =>
        new("image-format", OptionKind.String, "format of the save image file") { NamedOnly = true };

    private static async Task<bool> RestoreAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var connection = await c.ConnectionAsync(ct);
        var request = new Proto.RestoreDomainRequest
        {
            Path = Path.GetFullPath(file),
            State = State(c),
            BypassCache = c.Args.Bool("bypass-cache"),
            ResetNvram = c.Args.Bool("reset-nvram"),
            Xml = c.Args.String("xml") is { } xmlFile ? await File.ReadAllTextAsync(xmlFile, ct) : "",
            Wait = true,
        };
        Proto.Job job;
        try
        {
            job = await connection.RestoreDomainAsync(request, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to restore domain from {file}");
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", job.Result.Domain);
                w.WriteString("file", file);
                w.WriteString("result", "restored");
            });
        }
        else
        {
            c.PrintExtra($"Domain restored from {file}\n");
        }
        return true;
    }

    internal static Proto.RestoreState State(CommandContext c)
    {
        var running = c.Args.Bool("running");
        var paused = c.Args.Bool("paused");
        if (running && paused)
        {
            throw VshError.Of("Options --running and --paused are mutually exclusive");
        }
        return running ? Proto.RestoreState.Running : paused ? Proto.RestoreState.Paused : Proto.RestoreState.Unspecified;
    }
}
