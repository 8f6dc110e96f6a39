using System.Text;
using Virt.Cli.Commands;

namespace Virt.Cli.Shell;

/// <summary>virsh's help texts (vshCmddefHelp, vshCmdGrpHelp, vshUsage in tools/vsh.c and virsh.c), built from the
/// command table so they cannot drift from what the parser accepts.</summary>
internal static class HelpText
{
    private static readonly (CommandGroup Group, string Title, string Keyword)[] _groups =
    [
        (CommandGroup.Domain, "Domain Management", "domain"),
        (CommandGroup.Monitor, "Domain Monitoring", "monitor"),
        (CommandGroup.Events, "Domain Events", "events"),
        (CommandGroup.Host, "Host and Hypervisor", "host"),
        (CommandGroup.Network, "Networking", "network"),
        (CommandGroup.Pool, "Storage Pool", "pool"),
        (CommandGroup.Volume, "Storage Volume", "volume"),
        (CommandGroup.Shell, "Virsh itself", "virsh"),
    ];

    /// <summary><c>vsh -h</c>.</summary>
    public static string Usage(CommandTable table)
    {
        var text = new StringBuilder();
        text.Append("\nvsh [options]... [<command_string>]\nvsh [options]... <command> [args...]\n\n");
        text.Append("  options:\n");
        text.Append("    -c | --connect=URI      hypervisor connection URI\n");
        text.Append("    -d | --debug=NUM        debug level [0-4]\n");
        text.Append("    -e | --escape <char>    set escape sequence for console\n");
        text.Append("    -h | --help             this help\n");
        text.Append("         --json             print one JSON document per command instead of text\n");
        text.Append("    -k | --keepalive-interval=NUM\n");
        text.Append("                            keepalive interval in seconds, 0 for disable\n");
        text.Append("    -K | --keepalive-count=NUM\n");
        text.Append("                            number of possible missed keepalive messages\n");
        text.Append("    -l | --log=FILE         output logging to file\n");
        text.Append("    -q | --quiet            quiet mode\n");
        text.Append("    -r | --readonly         connect readonly\n");
        text.Append("    -t | --timing           print timing information\n");
        text.Append("    -v                      short version\n");
        text.Append("    -V                      long version\n");
        text.Append("         --version[=TYPE]   version, TYPE is short or long (default short)\n");
        text.Append("  commands (non interactive mode):\n\n");
        foreach (var (group, title, keyword) in _groups)
        {
            text.Append(' ').Append(title).Append(" (help keyword '").Append(keyword).Append("')\n");
            AppendCommands(text, table, group);
            text.Append('\n');
        }

        text.Append("\n  (specify help <group> for details about the commands in the group)\n");
        text.Append("\n  (specify help <command> for details about the command)\n\n");
        return text.ToString();
    }

    /// <summary><c>help</c>: every group.</summary>
    public static string Groups(CommandTable table)
    {
        var text = new StringBuilder("Grouped commands:\n\n");
        foreach (var (group, title, keyword) in _groups)
        {
            text.Append(' ').Append(title).Append(" (help keyword '").Append(keyword).Append("'):\n");
            AppendCommands(text, table, group);
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary><c>help KEYWORD</c>: one group, or null if there is no such keyword.</summary>
    public static string? Group(CommandTable table, string keyword)
    {
        foreach (var (group, title, key) in _groups)
        {
            if (key == keyword)
            {
                var text = new StringBuilder();
                text.Append(' ').Append(title).Append(" (help keyword '").Append(key).Append("'):\n");
                AppendCommands(text, table, group);
                text.Append('\n');
                return text.ToString();
            }
        }

        return null;
    }

    /// <summary><c>help COMMAND</c> and <c>COMMAND --help</c>.</summary>
    public static string Command(CommandDef command)
    {
        var text = new StringBuilder();
        text.Append("  NAME\n    ").Append(command.Name).Append(" - ").Append(command.Help).Append('\n');
        text.Append("\n  SYNOPSIS\n    ").Append(command.Name);
        foreach (var o in command.Options)
        {
            text.Append(' ').Append(o.Kind switch
            {
                OptionKind.Bool => $"[--{o.Name}]",
                OptionKind.Argv => o.Required ? $"{{[--{o.Name}] <string>}}..." : $"[[--{o.Name}] <string>]...",
                OptionKind.Number => o.Required ? $"<{o.Name}>" : $"[--{o.Name} <number>]",
                _ => o.Required ? $"<{o.Name}>" : $"[--{o.Name} <string>]",
            });
        }

        text.Append('\n');
        if (command.Description.Length > 0)
        {
            text.Append("\n  DESCRIPTION\n    ").Append(command.Description).Append('\n');
        }

        if (command.Options.Count > 0)
        {
            text.Append("\n  OPTIONS\n");
            foreach (var o in command.Options)
            {
                var synopsis = o.Kind switch
                {
                    OptionKind.Bool => $"--{o.Name}",
                    OptionKind.Number => o.Required ? $"[--{o.Name}] <number>" : $"--{o.Name} <number>",
                    OptionKind.Argv => $"[--{o.Name}] <string>",
                    _ => o.Required ? $"[--{o.Name}] <string>" : $"--{o.Name} <string>",
                };
                text.Append("    ").Append(synopsis.PadRight(15)).Append("  ").Append(o.Help).Append('\n');
            }
        }

        text.Append('\n');
        return text.ToString();
    }

    private static void AppendCommands(StringBuilder text, CommandTable table, CommandGroup group)
    {
        foreach (var command in table.All.Where(c => c.Group == group))
        {
            text.Append("    ").Append(command.Name.PadRight(30)).Append(' ').Append(command.Help).Append('\n');
        }
    }
}
