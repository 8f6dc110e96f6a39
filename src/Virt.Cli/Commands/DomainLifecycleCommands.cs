using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>Defining and running domains: define, create, start, destroy, shutdown, reboot, reset,
/// suspend, resume, autostart (virsh-domain.c). Messages name the domain as virsh does: by the argument given for
/// most actions, by the real name for start, create and define.</summary>
internal static class DomainLifecycleCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("define", CommandGroup.Domain, "define (but don't start) a domain from an XML file", "Define a domain.",
            [Opt.File("file containing an XML domain description"), Opt.Flag("validate", "validate the XML against the schema")], DefineAsync),
        new("create", CommandGroup.Domain, "create a domain from an XML file", "Create a domain.",
        [
            Opt.File("file containing an XML domain description"),
            Opt.Flag("console", "attach to console after creation"),
            Opt.Flag("paused", "leave the guest paused after creation"),
            Opt.Flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
            Opt.Flag("validate", "validate the XML against the schema"),
        ], CreateAsync),
        new("start", CommandGroup.Domain, "start a (previously defined) inactive domain", "Start a domain, either from the last managedsave state, or via a fresh boot if no managedsave state is present.",
        [
            Opt.Domain("name of the inactive domain"),
            Opt.Flag("console", "attach to console after creation"),
            Opt.Flag("paused", "leave the guest paused after start"),
            Opt.Flag("autodestroy", "automatically destroy the guest when virsh disconnects"),
            Opt.Flag("bypass-cache", "avoid file system cache when loading"),
            Opt.Flag("force-boot", "force fresh boot by discarding any managed save"),
        ], StartAsync),
        new("destroy", CommandGroup.Domain, "destroy (stop) a domain", "Forcefully stop a given domain, but leave its resources intact.",
            [Opt.Domain(), Opt.Flag("graceful", "terminate gracefully"), Opt.Flag("remove-logs", "remove domain logs")],
            (c, ct) => ActAsync(c, "destroy", "destroyed", (v, u) => v.DestroyDomainAsync(u, c.Args.Bool("graceful"), c.Args.Bool("remove-logs"), ct), ct)),
        new("shutdown", CommandGroup.Domain, "gracefully shutdown a domain", "Run shutdown in the target domain.",
        [
            Opt.Domain(),
            ShutdownModes.Option,
            // Virt's own: the API's timeout and force fallback (virsh has neither).
            new("timeout", OptionKind.Number, "wait at most this many seconds for the domain to shut off") { NamedOnly = true },
            Opt.Flag("force", "destroy the domain if it has not shut off when --timeout passes"),
        ], ShutdownAsync),
        new("reboot", CommandGroup.Domain, "reboot a domain", "Run a reboot command in the target domain.",
            [Opt.Domain(), ShutdownModes.Option], RebootAsync),
        new("reset", CommandGroup.Domain, "reset a domain", "Reset the target domain as if by power button",
            [Opt.Domain()], (c, ct) => ActAsync(c, "reset", "was reset", (v, u) => v.ResetDomainAsync(u, ct), ct)),
        new("suspend", CommandGroup.Domain, "suspend a domain", "Suspend a running domain.",
            [Opt.Domain()], (c, ct) => ActAsync(c, "suspend", "suspended", (v, u) => v.SuspendDomainAsync(u, ct), ct)),
        new("resume", CommandGroup.Domain, "resume a domain", "Resume a previously suspended domain.",
            [Opt.Domain()], (c, ct) => ActAsync(c, "resume", "resumed", (v, u) => v.ResumeDomainAsync(u, ct), ct)),
        new("autostart", CommandGroup.Domain, "autostart a domain", "Configure a domain to be automatically started at boot.",
            [Opt.Domain(), Opt.Flag("disable", "disable autostarting")], AutostartAsync),
        new("domrename", CommandGroup.Domain, "rename a domain", "Rename an inactive domain.",
            [Opt.Domain("domain name or uuid"), new("new-name", OptionKind.String, "new domain name", Required: true)], RenameAsync),
    ];

    private static async Task<bool> DefineAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var xml = await XmlFiles.ReadAsync(file, ct);
        var connection = await c.ConnectionAsync(ct);
        return await ReportDefineAsync(c, file, connection.DefineDomainAsync(xml, c.Args.Bool("validate"), ct));
    }

    /// <summary>
    /// The second half of <c>define</c>: waits for a define already sent and prints its result or error. The shell's
    /// <see cref="Shell.DefinePipeline"/> sends several defines before it reports the first.
    /// </summary>
    internal static async Task<bool> ReportDefineAsync(CommandContext c, string file, Task<Proto.DefineDomainResponse> call)
    {
        Proto.DefineDomainResponse reply;
        try
        {
            reply = await call;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to define domain from {file}");
        }

        Report(c, reply.Domain, "defined", $"Domain '{reply.Domain.Name}' defined from {file}\n", w => w.WriteBoolean("replaced", reply.Replaced));
        return true;
    }

    private static async Task<bool> CreateAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var xml = await XmlFiles.ReadAsync(file, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.CreateDomainResponse reply;
        try
        {
            reply = await connection.CreateDomainAsync(new Proto.CreateDomainRequest { Xml = xml, Paused = c.Args.Bool("paused"), Autodestroy = c.Args.Bool("autodestroy") }, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to create domain from {file}");
        }

        Report(c, reply.Domain, "created", $"Domain '{reply.Domain.Name}' created from {file}\n", w => w.WriteState(reply.Status));
        return !c.Args.Bool("console") || await ConsoleCommand.AttachAsync(c, reply.Domain.Name, reply.Domain, null, force: false, ct);
    }

    private static async Task<bool> StartAsync(CommandContext c, CancellationToken ct)
    {
        var request = new Proto.StartDomainRequest
        {
            Paused = c.Args.Bool("paused"),
            Autodestroy = c.Args.Bool("autodestroy"),
            BypassCache = c.Args.Bool("bypass-cache"),
            ForceBoot = c.Args.Bool("force-boot"),
        };
        var argument = c.Args.Required("domain");
        var console = c.Args.Bool("console");
        // With --console the console needs the domain's UUID, which only the lookup gives.
        if (!c.Json && !console && await TryActByNameAsync(c, "start", argument, (v, name) => StartRefusingActiveAsync(v, name, request, ct), ct))
        {
            c.PrintExtra($"Domain '{argument}' started\n");
            return true;
        }

        var domain = await Lookup.DomainAsync(c, ct, DomainBy.Name | DomainBy.Uuid);
        if (domain.Domain.Id > 0)
        {
            throw VshError.Of("Domain is already active");
        }

        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.StartDomainAsync(domain.Domain.Uuid, request, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to start domain '{domain.Domain.Name}'");
        }

        Report(c, await AfterAsync(c, connection, domain.Domain, ct), "started", $"Domain '{domain.Domain.Name}' started\n");
        return !console || await ConsoleCommand.AttachAsync(c, domain.Domain.Name, domain.Domain, null, force: false, ct);
    }

    private static async Task<bool> AutostartAsync(CommandContext c, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        var domain = await Lookup.DomainAsync(c, ct);
        var enable = !c.Args.Bool("disable");
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.SetDomainAutostartAsync(domain.Domain.Uuid, enable, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, enable
                ? $"Failed to mark domain '{argument}' as autostarted"
                : $"Failed to unmark domain '{argument}' as autostarted");
        }

        Report(c, domain.Domain, enable ? "autostart-enabled" : "autostart-disabled",
            enable ? $"Domain '{argument}' marked as autostarted\n" : $"Domain '{argument}' unmarked as autostarted\n");
        return true;
    }

    private static async Task<bool> RenameAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct, DomainBy.Name | DomainBy.Uuid);
        var newName = c.Args.Required("new-name");
        var connection = await c.ConnectionAsync(ct);
        Proto.DomainIdentity renamed;
        try
        {
            renamed = await connection.RenameDomainAsync(domain.Domain.Uuid, newName, ct);
        }
        catch (VirtClientException e)
        {
            // virsh prints the library's error alone here.
            throw VshError.FromClient(e);
        }
        Report(c, renamed, "renamed", "Domain successfully renamed\n");
        return true;
    }

    private static async Task<bool> ShutdownAsync(CommandContext c, CancellationToken ct)
    {
        var timeout = c.Args.Int("timeout");
        var force = c.Args.Bool("force");
        if (force && timeout is null)
        {
            throw VshError.Of("--force destroys the domain when --timeout passes: give --timeout too");
        }
        if (timeout < 0)
        {
            throw VshError.Of($"Invalid timeout {timeout.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}: the seconds to wait cannot be negative");
        }
        var modes = ShutdownModes.Parse(c, serialComma: true);
        var forced = false;
        var done = await ActAsync(c, "shutdown", "is being shutdown", async (v, u) =>
        {
            var job = await v.DomainCallAsync(u, (d, r) =>
            {
                var request = new Proto.ShutdownDomainRequest { Domain = r, Wait = true, Force = force };
                request.Modes.AddRange(modes);
                if (timeout is { } seconds)
                {
                    request.Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds));
                }
                return d.ShutdownDomainAsync(request, cancellationToken: ct);
            });
            forced = job.Result?.Forced ?? false;
        }, ct);
        if (forced)
        {
            c.PrintExtra($"Domain '{c.Args.Required("domain")}' did not shut down within {timeout} s and was destroyed\n");
        }
        return done;
    }

    private static Task<bool> RebootAsync(CommandContext c, CancellationToken ct)
    {
        var modes = ShutdownModes.Parse(c, serialComma: false);
        return ActAsync(c, "reboot", "is being rebooted", (v, u) => v.DomainCallAsync(u, (d, r) =>
        {
            var request = new Proto.RebootDomainRequest { Domain = r };
            request.Modes.AddRange(modes);
            return d.RebootDomainAsync(request, cancellationToken: ct);
        }), ct);
    }

    // destroy, shutdown, reboot, reset, suspend, resume: look up, act by UUID, report with the argument's text.
    private static async Task<bool> ActAsync(
        CommandContext c, string verb, string done, Func<VirtConnection, string, Task> act, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        if (!c.Json && await TryActByNameAsync(c, verb, argument, act, ct))
        {
            c.PrintExtra($"Domain '{argument}' {done}\n");
            return true;
        }

        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await act(connection, domain.Domain.Uuid);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to {verb} domain '{argument}'");
        }

        Report(c, await AfterAsync(c, connection, domain.Domain, ct), verb switch
        {
            "destroy" => "destroyed",
            "shutdown" => "shutting-down",
            "reboot" => "rebooting",
            "reset" => "reset",
            "suspend" => "suspended",
            _ => "resumed",
        }, $"Domain '{argument}' {done}\n");
        return true;
    }

    /// <summary>
    /// An argument that can only be a name (not a number, not a UUID: virsh's lookup would try it by name alone) is
    /// acted on by name in one call, without the lookup call first: the daemon resolves the name itself, and the
    /// text output needs nothing the lookup returns. That is one round trip less on every destroy (and the rest)
    /// through a connected shell, about a millisecond of a 15 ms destroy (tools/bench/README.md). False when the
    /// daemon knows no such domain, refuses the name or refuses a read-only connection: then the lookup runs as before
    /// and reports virsh's "failed to get domain", or acts by UUID and reports the action's own error, word for word as
    /// without this (virsh looks the domain up first, which a read-only connection may, so an unknown name reads as
    /// the lookup's failure there too, not as the action's refusal).
    /// </summary>
    private static async Task<bool> TryActByNameAsync(CommandContext c, string verb, string argument, Func<VirtConnection, string, Task> act, CancellationToken ct)
    {
        if (int.TryParse(argument, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
            || Guid.TryParse(argument, out _))
        {
            return false;
        }

        var connection = await c.ConnectionAsync(ct);
        try
        {
            await act(connection, argument);
            return true;
        }
        catch (VirtClientException e) when (e.Code is Grpc.Core.StatusCode.NotFound or Grpc.Core.StatusCode.InvalidArgument or Grpc.Core.StatusCode.PermissionDenied)
        {
            return false;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to {verb} domain '{argument}'");
        }
    }

    /// <summary>
    /// Start by name, for <see cref="TryActByNameAsync"/>: virsh refuses an active domain itself ("Domain is already
    /// active") after its lookup, before it calls the daemon, so the daemon's refusal of an active domain reads as
    /// virsh's words. The lookup's round trip was about half a millisecond of a start through a connected shell
    /// (tools/bench/README.md, seventeenth session).
    /// </summary>
    private static async Task StartRefusingActiveAsync(VirtConnection connection, string name, Proto.StartDomainRequest request, CancellationToken ct)
    {
        try
        {
            await connection.StartDomainAsync(name, request, ct);
        }
        catch (VirtClientException e) when (e.Reason == Proto.ErrorReason.OperationInvalid
            && e.Metadata.GetValueOrDefault("operation") == "start" && e.Metadata.GetValueOrDefault("state") is { } state && state != "shut off")
        {
            throw VshError.Of("Domain is already active");
        }
    }

    // For --json, the domain as it is after the action (its new id); the text needs no second call.
    private static async Task<Proto.DomainIdentity> AfterAsync(CommandContext c, VirtConnection connection, Proto.DomainIdentity before, CancellationToken ct)
    {
        if (!c.Json)
        {
            return before;
        }

        try
        {
            return (await connection.LookupDomainAsync(before.Uuid, ct)).Domain;
        }
        catch (VirtClientException)
        {
            // A transient domain is gone once stopped: report it as it was.
            return before;
        }
    }

    /// <summary>A domain command's success: its words (vshPrintExtra, so <c>-q</c> drops them), or under --json the domain and the result.</summary>
    internal static void Report(CommandContext c, Proto.DomainIdentity domain, string result, string text, Action<System.Text.Json.Utf8JsonWriter>? more = null)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain);
                w.WriteString("result", result);
                more?.Invoke(w);
            });
        }
        else
        {
            c.PrintExtra(text);
        }
    }
}
