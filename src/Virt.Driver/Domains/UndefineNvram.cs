namespace Virt.Driver;

/// <summary>
/// What undefine does with a domain's UEFI variable store (<c>&lt;os&gt;&lt;nvram&gt;</c>), virsh's
/// <c>--nvram</c> / <c>--keep-nvram</c> (VIR_DOMAIN_UNDEFINE_NVRAM / _KEEP_NVRAM).
/// </summary>
public enum UndefineNvram
{
    /// <summary>Neither flag: an existing NVRAM file refuses the undefine (it would be stranded).</summary>
    Refuse,

    /// <summary><c>--nvram</c>: the file is removed with the definition.</summary>
    Remove,

    /// <summary><c>--keep-nvram</c>: the file stays.</summary>
    Keep,
}
