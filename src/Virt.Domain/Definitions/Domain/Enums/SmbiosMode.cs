namespace Virt.Domain;

/// <summary>Source of the guest SMBIOS tables.</summary>
public enum SmbiosMode
{
    /// <summary>XML value <c>emulate</c>.</summary>
    Emulate,

    /// <summary>XML value <c>host</c>.</summary>
    Host,

    /// <summary>XML value <c>sysinfo</c>.</summary>
    Sysinfo,
}
