namespace Virt.Domain;

/// <summary>How a security label is chosen.</summary>
public enum SecurityLabelType
{
    /// <summary>XML value <c>dynamic</c>.</summary>
    Dynamic,

    /// <summary>XML value <c>static</c>.</summary>
    Static,

    /// <summary>XML value <c>none</c>.</summary>
    None,
}
