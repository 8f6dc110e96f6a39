namespace Virt.Domain;

/// <summary>Emulated watchdog model.</summary>
public enum WatchdogModel
{
    /// <summary>XML value <c>i6300esb</c>.</summary>
    I6300esb,

    /// <summary>XML value <c>ib700</c>.</summary>
    Ib700,

    /// <summary>XML value <c>diag288</c>.</summary>
    Diag288,

    /// <summary>XML value <c>itco</c>.</summary>
    Itco,
}
