using Virt.Cli.Runtime;
using Virt.Cli.Shell;

namespace Virt.Cli.Commands;

/// <summary>The shell's own commands (virsh's "Virsh itself" group): help, quit, exit, connect, echo.</summary>
internal static class ShellCommands
{
    public static IEnumerable<CommandDef> All(Func<CommandTable> table) =>
    [
        new("help", CommandGroup.Shell, "print help", "Prints global help, command specific help, or help for a group of related commands",
            [new("command", OptionKind.String, "Prints global help, command specific help, or help for a group of related commands")],
            (c, ct) => HelpAsync(c, table())) { NoConnect = true },
        new("quit", CommandGroup.Shell, "quit this interactive terminal", "", [], QuitAsync) { NoConnect = true },
        new("exit", CommandGroup.Shell, "quit this interactive terminal", "", [], QuitAsync) { NoConnect = true },
        new("connect", CommandGroup.Shell, "(re)connect to hypervisor", "Connect to local hypervisor. This is built-in command after shell start up.",
        [
            new("name", OptionKind.String, "hypervisor connection URI"),
            Opt.Flag("readonly", "read-only connection"),
        ], ConnectAsync) { NoConnect = true },
        new("echo", CommandGroup.Shell, "echo arguments. Used for internal testing.", "Echo back arguments, possibly with quoting.",
            [new("string", OptionKind.Argv, "arguments to echo")], EchoAsync) { NoConnect = true },
    ];

    private static Task<bool> HelpAsync(CommandContext c, CommandTable table)
    {
        var name = c.Args.String("command");
        if (name is null)
        {
            c.Print(HelpText.Groups(table));
            return Task.FromResult(true);
        }

        if (table.Find(name) is { } command)
        {
            c.Print(HelpText.Command(command));
            return Task.FromResult(true);
        }

        if (HelpText.Group(table, name) is { } group)
        {
            c.Print(group);
            return Task.FromResult(true);
        }

        throw VshError.Of($"command or command group '{name}' doesn't exist");
    }

    private static Task<bool> QuitAsync(CommandContext c, CancellationToken ct)
    {
        c.Session.QuitRequested = true;
        return Task.FromResult(true);
    }

    private static async Task<bool> ConnectAsync(CommandContext c, CancellationToken ct)
    {
        await c.Session.ReconnectAsync(c.Args.String("name"), c.Args.Bool("readonly"), ct);
        if (c.Json)
        {
            var connection = await c.ConnectionAsync(ct);
            c.WriteJson(w =>
            {
                w.WriteString("uri", connection.Uri);
                w.WriteBoolean("read_only", connection.IsReadOnly);
            });
        }

        return true;
    }

    private static Task<bool> EchoAsync(CommandContext c, CancellationToken ct)
    {
        var words = c.Args.Argv("string");
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("words");
                foreach (var word in words)
                {
                    w.WriteStringValue(word);
                }

                w.WriteEndArray();
            });
        }
        else
        {
            // cmdEcho prints no newline of its own: the command loop's blank line ends it.
            c.Print(string.Join(' ', words));
        }

        return Task.FromResult(true);
    }
}
