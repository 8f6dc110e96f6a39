namespace Virt.Domain;

/// <summary>Boot settings (<c>&lt;os&gt;</c>).</summary>
public sealed record OsSettings
{
    /// <summary>OS type.</summary>
    public OsType Type { get; init; } = OsType.Hvm;

    /// <summary>Guest architecture, e.g. <c>x86_64</c>.</summary>
    public string? Arch { get; init; }

    /// <summary>Machine type, e.g. <c>pc-q35-7.2</c>.</summary>
    public string? Machine { get; init; }

    /// <summary>Firmware loader.</summary>
    public LoaderSettings? Loader { get; init; }

    /// <summary>UEFI variable store.</summary>
    public NvramSettings? Nvram { get; init; }

    /// <summary>Direct-boot kernel path.</summary>
    public string? Kernel { get; init; }

    /// <summary>Direct-boot initrd path.</summary>
    public string? Initrd { get; init; }

    /// <summary>Direct-boot kernel command line.</summary>
    public string? Cmdline { get; init; }

    /// <summary>Device tree blob path.</summary>
    public string? Dtb { get; init; }

    /// <summary>BIOS boot order.</summary>
    public ValueList<BootDevice> BootDevices { get; init; } = ValueList<BootDevice>.Empty;

    /// <summary>Interactive boot menu.</summary>
    public BootMenu? BootMenu { get; init; }

    /// <summary>SMBIOS source.</summary>
    public SmbiosMode? Smbios { get; init; }
}
