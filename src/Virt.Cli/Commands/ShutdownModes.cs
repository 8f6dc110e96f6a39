using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>shutdown's and reboot's --mode: virsh's comma-separated list of methods, each one a flag to the daemon.</summary>
internal static class ShutdownModes
{
    public static OptionDef Option => new("mode", OptionKind.String, "shutdown mode: acpi|agent|initctl|signal|paravirt");

    /// <summary>
    /// The modes asked for (none: the driver's default), read before the domain is looked up, as virsh does. virsh's
    /// message lists the names with a comma before "or" for shutdown and without one for reboot.
    /// </summary>
    public static IReadOnlyList<Proto.ShutdownMode> Parse(CommandContext c, bool serialComma)
    {
        if (c.Args.String("mode") is not { } text)
        {
            return [];
        }
        List<Proto.ShutdownMode> modes = [];
        foreach (var name in text.Split(','))
        {
            Proto.ShutdownMode? mode = name switch
            {
                "acpi" => Proto.ShutdownMode.AcpiPowerButton,
                "agent" => Proto.ShutdownMode.GuestAgent,
                "initctl" => Proto.ShutdownMode.Initctl,
                "signal" => Proto.ShutdownMode.Signal,
                "paravirt" => Proto.ShutdownMode.Paravirt,
                _ => null,
            };
            if (mode is null)
            {
                throw VshError.Of($"Unknown mode {name} value, expecting 'acpi', 'agent', 'initctl', 'signal'{(serialComma ? "," : "")} or 'paravirt'");
            }
            modes.Add(mode.Value);
        }
        return modes;
    }
}
