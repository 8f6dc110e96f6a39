namespace Virt.Domain;

/// <summary>How the guest clock relates to the host clock.</summary>
public enum ClockOffset
{
    /// <summary>XML value <c>utc</c>.</summary>
    Utc,

    /// <summary>XML value <c>localtime</c>.</summary>
    Localtime,

    /// <summary>XML value <c>timezone</c>.</summary>
    Timezone,

    /// <summary>XML value <c>variable</c>.</summary>
    Variable,
}
