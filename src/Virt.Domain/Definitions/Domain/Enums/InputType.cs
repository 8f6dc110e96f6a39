namespace Virt.Domain;

/// <summary>Kind of input device.</summary>
public enum InputType
{
    /// <summary>XML value <c>mouse</c>.</summary>
    Mouse,

    /// <summary>XML value <c>tablet</c>.</summary>
    Tablet,

    /// <summary>XML value <c>keyboard</c>.</summary>
    Keyboard,
}
