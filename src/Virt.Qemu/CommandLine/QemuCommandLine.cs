using System.Text;
using Virt.Domain;
using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine.Internal;

namespace Virt.Qemu.CommandLine;

/// <summary>
/// The XML → QEMU argv step: a pure function of the definition, the binary's capabilities and the resolved host
/// context. It does no I/O, so the same inputs always give the same argv (golden-tested), and whatever it cannot
/// express is refused with a <see cref="QemuCommandLineException"/> naming the element.
/// </summary>
public static class QemuCommandLine
{
    /// <summary>
    /// Where a VNC or SPICE display on an address listens when its definition names none: the loopback address, as
    /// libvirt's qemu.conf defaults (vnc_listen, spice_listen). The driver writes it into the live definition.
    /// </summary>
    public const string DefaultDisplayListen = "127.0.0.1";

    /// <summary>Builds the argv; element 0 is the emulator (<c>&lt;emulator&gt;</c>, else the probed binary).</summary>
    /// <exception cref="QemuCommandLineException">The definition cannot be expressed for this binary and host.</exception>
    public static IReadOnlyList<string> Build(DomainDefinition definition, QemuCapabilities capabilities, QemuHostContext host)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(host);
        return new ArgvBuilder(definition, capabilities, host).Build();
    }

    /// <summary>
    /// Renders argv on one line the way <c>virsh domxml-to-native qemu-argv</c> prints it (without the environment):
    /// arguments separated by spaces, single-quoted when they hold anything a POSIX shell would interpret.
    /// </summary>
    public static string FormatForShell(IEnumerable<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        return string.Join(' ', argv.Select(QuoteForShell));
    }

    /// <summary>
    /// The environment as <c>NAME=value</c> assignments, then argv, on one line: what <c>virsh domxml-to-native
    /// qemu-argv</c> prints (libvirt's virCommandToString), and what a POSIX shell runs as that command.
    /// </summary>
    public static string FormatForShell(IEnumerable<KeyValuePair<string, string>> environment, IEnumerable<string> argv)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(argv);
        return string.Join(' ', environment.Select(v => v.Key + "=" + QuoteForShell(v.Value)).Concat(argv.Select(QuoteForShell)));
    }

    /// <summary>One argument, quoted for a POSIX shell only when needed (libvirt's virBufferEscapeShell).</summary>
    public static string QuoteForShell(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(IsShellSafe))
        {
            return argument;
        }
        var quoted = new StringBuilder("'");
        foreach (var c in argument)
        {
            quoted.Append(c == '\'' ? "'\\''" : c.ToString());
        }
        return quoted.Append('\'').ToString();
    }

    private static bool IsShellSafe(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or ',' or '=' or ':' or '+' or '@' or '%';
}
