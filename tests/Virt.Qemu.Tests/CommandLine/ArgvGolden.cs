using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine;
using Virt.Testing;

namespace Virt.Qemu.Tests.CommandLine;

/// <summary>
/// The golden argv cases in Data/argv (see the README there): <c>NAME.xml</c> with <c>NAME.args</c> (one argv element
/// per line, verbatim) or <c>NAME.err</c> (the refusal message). The host context and the capabilities are fixed,
/// so the files change only when the builder does.
/// </summary>
internal static class ArgvGolden
{
    public static string Directory => Path.Combine(RepoPaths.Root, "tests", "Virt.Qemu.Tests", "Data", "argv");

    public static string CapabilitiesSnapshot => Path.Combine(RepoPaths.Root, "tests", "Virt.Qemu.Tests", "Data", "qemu-7.2-x86_64.caps.json");

    public static string SkipList => Path.Combine(Directory, "real-qemu-skips.txt");

    public static bool Regenerate => Environment.GetEnvironmentVariable("VIRT_TEST_REGENERATE") == "1";

    private static readonly Lazy<QemuCapabilities> _capabilities = new(() => QemuCapabilitiesJson.FromJson(File.ReadAllText(CapabilitiesSnapshot)));

    /// <summary>The recorded probe of Debian's QEMU 7.2 (regenerated with VIRT_TEST_REGENERATE=1).</summary>
    public static QemuCapabilities Capabilities => _capabilities.Value;

    /// <summary>No KVM, a fixed run directory, one resolved volume, tap fds for the second interface, no display ports.</summary>
    public static QemuHostContext Context { get; } = new()
    {
        KvmUsable = false,
        MonitorSocketPath = "/run/virt/test/monitor.sock",
        GuestDirectory = "/run/virt/test",
        Volumes = new Dictionary<QemuVolumeKey, QemuResolvedVolume>
        {
            [new QemuVolumeKey("default", "data.qcow2")] = new("/var/lib/virt/images/pool-data.qcow2", ImageFormat.Qcow2),
        },
        TapFds = new Dictionary<int, QemuTapFds>
        {
            [1] = new(["30"], ["31"]),
        },
    };

    /// <summary>
    /// libvirt's .args layout without the environment: the emulator, then one option per line with its value
    /// shell-quoted when needed, lines joined with backslash continuations.
    /// </summary>
    public static string Render(IReadOnlyList<string> argv)
    {
        var lines = new List<string> { QemuCommandLine.QuoteForShell(argv[0]) };
        for (var i = 1; i < argv.Count; i++)
        {
            var line = QemuCommandLine.QuoteForShell(argv[i]);
            if (argv[i].StartsWith('-') && i + 1 < argv.Count && !argv[i + 1].StartsWith('-'))
            {
                line += " " + QemuCommandLine.QuoteForShell(argv[++i]);
            }
            lines.Add(line);
        }
        return string.Join(" \\\n", lines) + "\n";
    }

    public static IEnumerable<string> CaseNames() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.xml").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

    public static DomainDefinition Parse(string name)
    {
        var options = new DefinitionParseOptions
        {
            NewUuid = () => new Guid("00000000-0000-0000-0000-000000000001"),
            NewMac = () => "52:54:00:ff:ff:ff",
        };
        return DomainXml.Parse(File.ReadAllText(Path.Combine(Directory, name + ".xml")), options);
    }

    /// <summary>Case names whose argv is not started for real, with the reason, from real-qemu-skips.txt.</summary>
    public static IReadOnlyDictionary<string, string> RealQemuSkips()
    {
        var skips = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(SkipList))
        {
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            skips[text[..colon].Trim()] = text[(colon + 1)..].Trim();
        }
        return skips;
    }
}
