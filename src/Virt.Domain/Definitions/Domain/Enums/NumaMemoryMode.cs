namespace Virt.Domain;

/// <summary>Memory allocation policy of <c>&lt;numatune&gt;</c>.</summary>
public enum NumaMemoryMode
{
    /// <summary>XML value <c>strict</c>.</summary>
    Strict,

    /// <summary>XML value <c>preferred</c>.</summary>
    Preferred,

    /// <summary>XML value <c>interleave</c>.</summary>
    Interleave,

    /// <summary>XML value <c>restrictive</c>.</summary>
    Restrictive,
}
