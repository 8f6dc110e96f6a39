using Virt.Cli.Runtime;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh's command grammar (vshCommandParse, tools/vsh.c), in front of System.CommandLine: <c>--opt value</c>,
/// <c>--opt=value</c>, bool switches, <c>--</c> ending options, and positional arguments that fill the command's
/// non-bool options in definition order (an ARGV option takes all that remain). The result is a canonical token list
/// (<c>--opt=value</c> only) that System.CommandLine binds to typed values. Every syntax error has virsh's wording;
/// the caller prints it and runs nothing (virsh parses a whole command line before running any of it).
/// </summary>
internal static class ArgumentBinder
{
    /// <summary>Binds <paramref name="arguments"/> (the words after the command name) for <paramref name="command"/>.</summary>
    /// <returns>The canonical tokens, or null when the words ask for the command's help (<c>--help</c>).</returns>
    /// <exception cref="VshError">A syntax error, worded as virsh words it.</exception>
    public static IReadOnlyList<string>? Bind(CommandDef command, IReadOnlyList<string> arguments)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var switches = new HashSet<string>(StringComparer.Ordinal);
        var dataOnly = false;

        for (var i = 0; i < arguments.Count; i++)
        {
            var word = arguments[i];
            if (!dataOnly && word == "--")
            {
                dataOnly = true;
                continue;
            }

            if (!dataOnly && word.Length > 2 && word.StartsWith("--", StringComparison.Ordinal) && char.IsAsciiLetterOrDigit(word[2]))
            {
                var name = word[2..];
                string? value = null;
                var equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0)
                {
                    value = name[(equals + 1)..];
                    name = name[..equals];
                }

                if (name == "help")
                {
                    return null;
                }

                var option = command.Find(name)
                    ?? throw VshError.Syntax($"command '{command.Name}' doesn't support option --{name}");
                if (option.Kind != OptionKind.Argv && (switches.Contains(name) || values.ContainsKey(name)))
                {
                    throw VshError.Syntax($"option --{name} already seen");
                }

                if (option.Kind == OptionKind.Bool)
                {
                    if (value is not null)
                    {
                        throw VshError.Syntax($"invalid '=' after option --{name}");
                    }

                    switches.Add(name);
                    continue;
                }

                if (value is null)
                {
                    if (i + 1 >= arguments.Count)
                    {
                        throw VshError.Syntax($"expected syntax: --{name} <{option.ValueWord}>");
                    }

                    value = arguments[++i];
                }

                Add(values, name, value);
                continue;
            }

            // A positional word: the first non-bool option not yet given takes it; an ARGV option keeps taking.
            var next = command.Options.FirstOrDefault(o =>
                o.Kind != OptionKind.Bool && !o.NamedOnly && (o.Kind == OptionKind.Argv || !values.ContainsKey(o.Name)))
                ?? throw VshError.Syntax($"unexpected data '{word}'");
            Add(values, next.Name, word);
        }

        foreach (var option in command.Options.Where(o => o.Required))
        {
            if (!values.ContainsKey(option.Name))
            {
                throw VshError.Syntax(option.Kind is OptionKind.String or OptionKind.Argv
                    ? $"command '{command.Name}' requires <{option.Name}> option"
                    : $"command '{command.Name}' requires --{option.Name} option");
            }
        }

        var tokens = new List<string> { command.Name };
        foreach (var option in command.Options)
        {
            if (switches.Contains(option.Name))
            {
                tokens.Add("--" + option.Name);
            }
            else if (values.TryGetValue(option.Name, out var given))
            {
                tokens.AddRange(given.Select(v => $"--{option.Name}={v}"));
            }
        }

        return tokens;
    }

    private static void Add(Dictionary<string, List<string>> values, string name, string value)
    {
        if (!values.TryGetValue(name, out var list))
        {
            values[name] = list = [];
        }

        list.Add(value);
    }
}
