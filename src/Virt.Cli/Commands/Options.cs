namespace Virt.Cli.Commands;

/// <summary>Option factories shared by many commands (virsh's VIRSH_COMMON_OPT_* macros), so their names, kinds
/// and help read the same everywhere.</summary>
internal static class Opt
{
    public static OptionDef Domain(string help = "domain name, id or uuid") => new("domain", OptionKind.String, help, Required: true);

    public static OptionDef Network() => new("network", OptionKind.String, "network name or uuid", Required: true);

    public static OptionDef Pool() => new("pool", OptionKind.String, "pool name or uuid", Required: true);

    public static OptionDef File(string help) => new("file", OptionKind.String, help, Required: true);

    public static OptionDef Flag(string name, string help) => new(name, OptionKind.Bool, help);

    public static OptionDef Live() => Flag("live", "modify/get running state");

    public static OptionDef Config() => Flag("config", "modify/get persistent configuration");

    public static OptionDef Current() => Flag("current", "modify/get current state configuration");
}
