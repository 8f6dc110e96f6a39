namespace Virt.Domain;

/// <summary>Policy for one CPU feature.</summary>
public enum CpuFeaturePolicy
{
    /// <summary>XML value <c>force</c>.</summary>
    Force,

    /// <summary>XML value <c>require</c>.</summary>
    Require,

    /// <summary>XML value <c>optional</c>.</summary>
    Optional,

    /// <summary>XML value <c>disable</c>.</summary>
    Disable,

    /// <summary>XML value <c>forbid</c>.</summary>
    Forbid,
}
