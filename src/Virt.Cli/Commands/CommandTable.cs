using System.CommandLine;
using Virt.Cli.Runtime;

namespace Virt.Cli.Commands;

/// <summary>
/// Every vsh command, by name, each as a System.CommandLine <see cref="Command"/> (built on first use) with one typed <see cref="Option"/> per option. <see cref="ArgumentBinder"/> first turns virsh's grammar into canonical
/// tokens; System.CommandLine then binds them, and the handler reads typed values through <see cref="CommandArgs"/>.
/// </summary>
internal sealed class CommandTable
{
    // No response files (@file is a legal virsh argument) and no directives ([x] is a legal domain name).
    private static readonly ParserConfiguration _parser = new() { ResponseFileTokenReplacer = null };

    private readonly Dictionary<string, CommandDef> _byName;
    private readonly Dictionary<string, (Command Command, Dictionary<string, Option> Options)> _parsers = new(StringComparer.Ordinal);

    public CommandTable(IEnumerable<CommandDef> commands)
    {
        All = commands.ToList();
        _byName = All.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<CommandDef> All { get; }

    public CommandDef? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Parses one command's words (virsh grammar, then System.CommandLine).</summary>
    /// <returns>The bound arguments, or null when the words ask for the command's help.</returns>
    /// <exception cref="VshError">A syntax error.</exception>
    public CommandArgs? Bind(CommandDef command, IReadOnlyList<string> arguments)
    {
        var tokens = ArgumentBinder.Bind(command, arguments);
        if (tokens is null)
        {
            return null;
        }

        var (parser, options) = ParserFor(command);
        // The command is its own root, so the command name that leads the canonical tokens is not parsed again.
        var result = parser.Parse(tokens.Skip(1).ToList(), _parser);
        if (result.Errors.Count > 0)
        {
            // The binder only emits well-formed tokens, so this is a table bug; say what System.CommandLine said.
            throw VshError.Syntax(result.Errors[0].Message);
        }

        return new CommandArgs(command, result, options);
    }

    // A command's System.CommandLine tree, built when it is first used: a vsh process usually runs one command, and
    // building all of them would be start-up time spent on nothing. The command is the root of its own tree, not a
    // child of a RootCommand: RootCommand's constructor adds --help and --version, whose descriptions System.CommandLine
    // reads from its resources (a ResourceManager walking assembly metadata by reflection). That was a sixth of a
    // NativeAOT `vsh list --all` in perf (tools/bench/README.md), for options the binder never lets through.
    private (Command Command, Dictionary<string, Option> Options) ParserFor(CommandDef def)
    {
        if (_parsers.TryGetValue(def.Name, out var built))
        {
            return built;
        }

        var command = new Command(def.Name, def.Help);
        var options = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var o in def.Options)
        {
            Option option = o.Kind switch
            {
                OptionKind.Bool => new Option<bool>("--" + o.Name) { Description = o.Help },
                OptionKind.Argv => new Option<string[]>("--" + o.Name) { Description = o.Help, Arity = ArgumentArity.ZeroOrMore },
                _ => new Option<string?>("--" + o.Name) { Description = o.Help, Arity = ArgumentArity.ZeroOrOne },
            };
            command.Add(option);
            options[o.Name] = option;
        }

        return _parsers[def.Name] = (command, options);
    }
}
