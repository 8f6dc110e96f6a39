using System.CommandLine;
using System.Globalization;
using Virt.Cli.Runtime;

namespace Virt.Cli.Commands;

/// <summary>One command's bound options, read the way virsh's vshCommandOpt* helpers read them.</summary>
internal sealed class CommandArgs(CommandDef command, ParseResult result, IReadOnlyDictionary<string, Option> options)
{
    public CommandDef Command { get; } = command;

    /// <summary>A switch (vshCommandOptBool).</summary>
    public bool Bool(string name) => result.GetValue((Option<bool>)Get(name));

    /// <summary>Whether the option was given at all.</summary>
    public bool Has(string name) => Given(Get(name));

    /// <summary>A string option (vshCommandOptStringReq): null when absent; an empty value is refused.</summary>
    /// <exception cref="VshError">The value is empty.</exception>
    public string? String(string name)
    {
        var option = Get(name);
        if (!Given(option))
        {
            return null;
        }

        var value = result.GetValue((Option<string?>)option);
        return string.IsNullOrEmpty(value)
            ? throw VshError.Of($"Failed to get option '{name}': Option argument is empty")
            : value;
    }

    /// <summary>A required string option (the binder has checked that it is present).</summary>
    public string Required(string name) => String(name) ?? throw VshError.Of($"command '{Command.Name}' requires <{name}> option");

    /// <summary>Every value of an ARGV option, in order.</summary>
    public IReadOnlyList<string> Argv(string name) => result.GetValue((Option<string[]>)Get(name)) ?? [];

    /// <summary>An unsigned number option (vshCommandOptUInt): null when absent.</summary>
    /// <exception cref="VshError">The value is not a number in range, with virsh's message.</exception>
    public uint? UInt(string name)
    {
        var option = Get(name);
        if (!Given(option))
        {
            return null;
        }

        var text = result.GetValue((Option<string?>)option) ?? "";
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw VshError.Of(MalformedNumber(text, name));
    }

    /// <summary>A signed number option (vshCommandOptInt): null when absent.</summary>
    /// <exception cref="VshError">The value is not a number in range, with virsh's message.</exception>
    public int? Int(string name)
    {
        var option = Get(name);
        if (!Given(option))
        {
            return null;
        }

        var text = result.GetValue((Option<string?>)option) ?? "";
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw VshError.Of(MalformedNumber(text, name));
    }

    /// <summary>vshCommandOptTimeoutToMs: a positive number of seconds that fits in milliseconds as an int.</summary>
    public TimeSpan? TimeoutSeconds(string name = "timeout")
    {
        var seconds = UInt(name);
        if (seconds is null)
        {
            return null;
        }

        return seconds == 0 || seconds > int.MaxValue / 1000
            ? throw VshError.Of(MalformedNumber(seconds.Value.ToString(CultureInfo.InvariantCulture), name))
            : TimeSpan.FromSeconds(seconds.Value);
    }

    /// <summary>VSH_EXCLUSIVE_OPTIONS: refuses the pair when both are given.</summary>
    public void Exclusive(string first, string second)
    {
        if (Has(first) && Has(second))
        {
            throw VshError.Of($"Options --{first} and --{second} are mutually exclusive");
        }
    }

    private static string MalformedNumber(string text, string name) =>
        $"Numeric value '{text}' for <{name}> option is malformed or out of range";

    // Options with a default (every bool) have an implicit result even when absent.
    private bool Given(Option option) => result.GetResult(option) is { Implicit: false };

    private Option Get(string name) =>
        options.TryGetValue(name, out var option)
            ? option
            : throw new InvalidOperationException($"command '{Command.Name}' has no option --{name}");
}
