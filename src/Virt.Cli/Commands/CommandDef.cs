namespace Virt.Cli.Commands;

/// <summary>How an option takes its value, with virsh's option types (vshCmdOptType).</summary>
internal enum OptionKind
{
    /// <summary>VSH_OT_BOOL: a switch, never positional, never <c>--x=value</c>.</summary>
    Bool,

    /// <summary>VSH_OT_STRING / VSH_OT_DATA: one value, by name or by position.</summary>
    String,

    /// <summary>VSH_OT_INT: one value, parsed when the command runs (a bad number is a run-time error, as in virsh).</summary>
    Number,

    /// <summary>VSH_OT_ARGV: every remaining positional argument (and each repetition of the option).</summary>
    Argv,
}

/// <summary>One option of a command, in virsh's order: non-bool options take positional arguments in this order.</summary>
internal sealed record OptionDef(string Name, OptionKind Kind, string Help, bool Required = false)
{
    /// <summary>Given only as <c>--name value</c>, never by position (virsh's VSH_OFLAG_REQ_OPT).</summary>
    public bool NamedOnly { get; init; }

    /// <summary>virsh's "expected syntax" word for the value.</summary>
    public string ValueWord => Kind == OptionKind.Number ? "number" : "string";
}

/// <summary>The help group a command is listed under, as in <c>virsh help</c>.</summary>
internal enum CommandGroup
{
    Domain,
    Monitor,
    Events,
    Host,
    Network,
    Pool,
    Volume,
    Shell,
}

/// <summary>A command handler: writes through the context and returns whether the command succeeded (virsh's
/// <c>bool cmdX(ctl, cmd)</c>). Failures with a message are thrown as <see cref="Runtime.VshError"/>.</summary>
internal delegate Task<bool> CommandHandler(Runtime.CommandContext context, CancellationToken cancellationToken);

/// <summary>One command of the table: its definition (name, help), its options and its handler (STYLE.md item 15).</summary>
internal sealed record CommandDef(
    string Name,
    CommandGroup Group,
    string Help,
    string Description,
    IReadOnlyList<OptionDef> Options,
    CommandHandler Handler)
{
    /// <summary>Commands that run without a connection (virsh's VSH_CMD_FLAG_NOCONNECT).</summary>
    public bool NoConnect { get; init; }

    public OptionDef? Find(string name) => Options.FirstOrDefault(o => o.Name == name);
}
