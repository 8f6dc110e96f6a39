namespace Virt.Qemu.CommandLine.Internal;

/// <summary>QEMU's key=value option syntax.</summary>
internal static class QemuOpts
{
    /// <summary>Escapes a value for a comma-separated option list: QEMU reads ",," as a literal comma.</summary>
    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    public static string OnOff(bool value) => value ? "on" : "off";
}
