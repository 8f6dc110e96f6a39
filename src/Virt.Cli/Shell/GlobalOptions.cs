using System.Globalization;
using Virt.Cli.Runtime;

namespace Virt.Cli.Shell;

/// <summary>What <c>-v</c>, <c>-V</c> and <c>--version[=short|long]</c> asked for.</summary>
internal enum VersionRequest
{
    None,
    Short,
    Long,
}

/// <summary>
/// virsh's global options (virshParseArgv: getopt_long with <c>+</c>, so option scanning stops at the first word that
/// is not an option, which starts the command). <c>--json</c> is ours. The scan follows getopt (clusters like
/// <c>-rq</c>, <c>-cURI</c>, <c>--connect=URI</c>, unambiguous long prefixes, <c>--</c>) and produces canonical
/// tokens, which <see cref="Bind"/> reads.
/// </summary>
internal sealed record GlobalOptions(
    string? Uri,
    bool ReadOnly,
    bool Quiet,
    bool Json,
    bool Help,
    VersionRequest Version,
    int DebugLevel,
    IReadOnlyList<string> Command)
{
    /// <summary>Problems virsh reports as errors but goes on after (an out-of-range <c>-d</c>).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary><c>-t</c>: print each command's time after it (virsh's <c>(Time: N.NNN ms)</c>).</summary>
    public bool Timing { get; init; }

    /// <summary><c>-e</c>: the console's escape sequence, <c>^]</c> unless given (one character, or <c>^</c> and a letter).</summary>
    public string Escape { get; init; } = DefaultEscape;

    /// <summary><c>-l</c>: the file log lines are appended to (the last one given), or null.</summary>
    public string? LogFile { get; init; }

    /// <summary><c>-k</c>: the keepalive interval in seconds (0 turns keepalive off), or null when not given.</summary>
    public int? KeepaliveInterval { get; init; }

    /// <summary><c>-K</c>: how many keepalive replies may be missed, or null when not given.</summary>
    public int? KeepaliveCount { get; init; }

    /// <summary>virsh's default console escape: Ctrl-].</summary>
    public const string DefaultEscape = "^]";

    private sealed record Spec(char? Short, string Long, bool TakesValue, bool OptionalValue = false);

    private static readonly Spec[] _specs =
    [
        new('c', "connect", TakesValue: true),
        new('d', "debug", TakesValue: true),
        new('e', "escape", TakesValue: true),
        new('h', "help", TakesValue: false),
        new(null, "json", TakesValue: false),
        new('k', "keepalive-interval", TakesValue: true),
        new('K', "keepalive-count", TakesValue: true),
        new('l', "log", TakesValue: true),
        new('q', "quiet", TakesValue: false),
        new('r', "readonly", TakesValue: false),
        new('t', "timing", TakesValue: false),
        new('v', "short-version", TakesValue: false),
        new('V', "long-version", TakesValue: false),
        new(null, "version", TakesValue: true, OptionalValue: true),
    ];

    /// <summary>Parses the process arguments.</summary>
    /// <param name="args">The process arguments.</param>
    /// <param name="warn">
    /// Reports a problem virsh reports and goes on after, at the point virsh does (so an <c>-l</c> before it logs it);
    /// null: only collected in <see cref="Warnings"/>.
    /// </param>
    /// <param name="openLog">
    /// Opens <c>-l</c>'s file when the scan reaches it, as virsh does (a later error is logged, an earlier one is not);
    /// it throws a <see cref="VshError"/> when the file cannot be opened.
    /// </param>
    /// <exception cref="VshError">An unknown option, a missing or bad value, with virsh's words: the first one in argument order.</exception>
    public static GlobalOptions Parse(IReadOnlyList<string> args, Action<string>? warn = null, Action<string>? openLog = null)
    {
        var tokens = new List<string>();
        var i = 0;
        VshError? scanError = null;
        try
        {
            i = Scan(args, tokens);
        }
        catch (VshError e)
        {
            // getopt reports an unknown option when it reaches it: the options before it take effect first.
            scanError = e;
        }

        var options = Bind(tokens, args.Skip(i).ToList(), warn, openLog);
        return scanError is null ? options : throw scanError;
    }

    // getopt_long's scan into canonical tokens; returns the index of the command's first word.
    private static int Scan(IReadOnlyList<string> args, List<string> tokens)
    {
        var i = 0;
        for (; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                i++;
                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var body = arg[2..];
                var eq = body.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? body : body[..eq];
                var spec = FindLong(name) ?? throw VshError.Syntax($"unsupported option '{arg}'. See --help.");
                if (!spec.TakesValue)
                {
                    if (eq >= 0)
                    {
                        throw VshError.Syntax($"unsupported option '{arg}'. See --help.");
                    }

                    tokens.Add("--" + spec.Long);
                    continue;
                }

                string? value = eq >= 0 ? body[(eq + 1)..] : null;
                if (value is null && !spec.OptionalValue)
                {
                    value = i + 1 < args.Count ? args[++i] : throw MissingValue(spec);
                }

                tokens.Add(value is null ? "--" + spec.Long : $"--{spec.Long}={value}");
                continue;
            }

            if (arg.Length > 1 && arg[0] == '-')
            {
                for (var k = 1; k < arg.Length; k++)
                {
                    var spec = _specs.FirstOrDefault(s => s.Short == arg[k])
                        ?? throw VshError.Syntax($"unsupported option '-{arg[k]}'. See --help.");
                    if (!spec.TakesValue)
                    {
                        tokens.Add("--" + spec.Long);
                        continue;
                    }

                    var value = k + 1 < arg.Length ? arg[(k + 1)..] : i + 1 < args.Count ? args[++i] : throw MissingValue(spec);
                    tokens.Add($"--{spec.Long}={value}");
                    break;
                }

                continue;
            }

            break;
        }

        return i;
    }

    // The tokens are canonical (--long or --long=value, from _specs), so they are read by hand: a System.CommandLine
    // root built here for a dozen options cost a tenth of a vsh start (tools/bench/README.md). As with getopt, an
    // option given twice keeps its last value. Commands' options are still bound by System.CommandLine (CommandTable).
    // The values virsh checks are checked in argument order, as virshParseArgv does: the first bad one stops it.
    private static GlobalOptions Bind(List<string> tokens, IReadOnlyList<string> command, Action<string>? warn, Action<string>? openLog)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var level = Session.DefaultDebugLevel;
        var warnings = new List<string>();
        var escape = DefaultEscape;
        int? keepaliveInterval = null;
        int? keepaliveCount = null;
        foreach (var token in tokens)
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? token[2..] : token[2..equals];
            var value = equals < 0 ? null : token[(equals + 1)..];
            values[name] = value;
            switch (name)
            {
                case "debug" when value is not null:
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var requested))
                    {
                        throw VshError.Syntax("option -d takes a numeric argument");
                    }

                    if (requested is < 0 or > 4)
                    {
                        // virsh says so and goes on at the level it had.
                        var warning = string.Create(CultureInfo.InvariantCulture, $"ignoring debug level {requested} out of range [0-4]");
                        warnings.Add(warning);
                        warn?.Invoke(warning);
                    }
                    else
                    {
                        level = requested;
                    }

                    break;
                case "escape" when value is not null:
                    escape = IsEscapeSequence(value) ? value : throw VshError.Syntax($"Invalid string '{value}' for escape sequence");
                    break;
                case "keepalive-interval" when value is not null:
                    keepaliveInterval = Keepalive(value, 'k');
                    break;
                case "keepalive-count" when value is not null:
                    keepaliveCount = Keepalive(value, 'K');
                    break;
                case "log" when value is not null:
                    openLog?.Invoke(value);
                    break;
                default:
                    break;
            }
        }

        var versionRequest = values.ContainsKey("long-version") ? VersionRequest.Long
            : values.ContainsKey("short-version") ? VersionRequest.Short
            : !values.TryGetValue("version", out var versionType) ? VersionRequest.None
            : versionType == "long" ? VersionRequest.Long
            : VersionRequest.Short;

        return new GlobalOptions(
            values.GetValueOrDefault("connect"),
            values.ContainsKey("readonly"),
            values.ContainsKey("quiet"),
            values.ContainsKey("json"),
            values.ContainsKey("help"),
            versionRequest,
            level,
            command)
        {
            Warnings = warnings,
            Timing = values.ContainsKey("timing"),
            Escape = escape,
            LogFile = values.GetValueOrDefault("log"),
            KeepaliveInterval = keepaliveInterval,
            KeepaliveCount = keepaliveCount,
        };
    }

    // virsh: one byte other than ^, or ^ and one of a-z, @ A-Z [ \ ] ^ _ (vshAllowedEscapeChar; a control character).
    private static bool IsEscapeSequence(string value) =>
        (value.Length == 1 && value[0] != '^' && char.IsAscii(value[0]))
        || (value.Length == 2 && value[0] == '^' && (char.IsAsciiLetterLower(value[1]) || value[1] is >= '@' and <= '_'));

    // virsh's -k and -K: virStrToLong_i with base 0 (strtol: leading blanks, a sign, then decimal, 0x hex or 0 octal,
    // nothing after, within an int), then not negative.
    private static int Keepalive(string text, char letter)
    {
        var body = text.TrimStart(' ', '\t', '\n', '\v', '\f', '\r');
        var negative = body.StartsWith('-');
        if (negative || body.StartsWith('+'))
        {
            body = body[1..];
        }

        var (digits, radix) = body.Length > 2 && body.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? (body[2..], 16)
            : body.Length > 1 && body[0] == '0' ? (body[1..], 8)
            : (body, 10);
        long value = 0;
        var valid = digits.Length > 0;
        foreach (var ch in digits)
        {
            var digit = char.IsAsciiDigit(ch) ? ch - '0' : char.IsAsciiLetter(ch) ? char.ToLowerInvariant(ch) - 'a' + 10 : radix;
            if (digit >= radix || value > int.MaxValue)
            {
                valid = false;
                break;
            }

            value = (value * radix) + digit;
        }

        value = negative ? -value : value;
        if (!valid || value is > int.MaxValue or < int.MinValue)
        {
            throw VshError.Syntax($"Invalid value for option -{letter}");
        }

        return value < 0 ? throw VshError.Syntax($"option -{letter} requires a positive integer argument") : (int)value;
    }

    // getopt_long accepts any unambiguous prefix of a long option.
    private static Spec? FindLong(string name)
    {
        var exact = _specs.FirstOrDefault(s => s.Long == name && !IsInternal(s));
        if (exact is not null)
        {
            return exact;
        }

        var prefixed = _specs.Where(s => !IsInternal(s) && name.Length > 0 && s.Long.StartsWith(name, StringComparison.Ordinal)).ToList();
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    // -v and -V have no long names in virsh; their canonical tokens are ours.
    private static bool IsInternal(Spec spec) => spec.Long is "short-version" or "long-version";

    private static VshError MissingValue(Spec spec) => VshError.Syntax(spec.Short is { } s
        ? $"option '-{s}'/'--{spec.Long}' requires an argument"
        : $"option '--{spec.Long}' requires an argument");
}
