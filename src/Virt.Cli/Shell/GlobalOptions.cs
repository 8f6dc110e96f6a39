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

    private sealed record Spec(char? Short, string Long, bool TakesValue, bool OptionalValue = false);

    private static readonly Spec[] _specs =
    [
        new('c', "connect", TakesValue: true),
        new('d', "debug", TakesValue: true),
        new('h', "help", TakesValue: false),
        new(null, "json", TakesValue: false),
        new('q', "quiet", TakesValue: false),
        new('r', "readonly", TakesValue: false),
        new('v', "short-version", TakesValue: false),
        new('V', "long-version", TakesValue: false),
        new(null, "version", TakesValue: true, OptionalValue: true),
    ];

    /// <summary>Parses the process arguments.</summary>
    /// <exception cref="VshError">An unknown option or a missing value, with virsh's words.</exception>
    public static GlobalOptions Parse(IReadOnlyList<string> args)
    {
        var tokens = new List<string>();
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

        return Bind(tokens, args.Skip(i).ToList());
    }

    // The tokens are canonical (--long or --long=value, from _specs), so they are read by hand: a System.CommandLine
    // root built here for nine options cost a tenth of a vsh start (tools/bench/README.md). As with getopt, an option
    // given twice keeps its last value. Commands' options are still bound by System.CommandLine (CommandTable).
    private static GlobalOptions Bind(List<string> tokens, IReadOnlyList<string> command)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            values[equals < 0 ? token[2..] : token[2..equals]] = equals < 0 ? null : token[(equals + 1)..];
        }

        var level = Session.DefaultDebugLevel;
        var warnings = new List<string>();
        if (values.GetValueOrDefault("debug") is { } debugText)
        {
            if (!int.TryParse(debugText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var requested))
            {
                throw VshError.Syntax("option -d takes a numeric argument");
            }

            if (requested is < 0 or > 4)
            {
                // virsh says so and goes on at its default level.
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"ignoring debug level {requested} out of range [0-4]"));
            }
            else
            {
                level = requested;
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
        };
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
