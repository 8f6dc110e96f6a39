namespace Virt.Domain;

/// <summary>Whether a socket character device listens or connects.</summary>
public enum CharSourceMode
{
    /// <summary>XML value <c>bind</c>.</summary>
    Bind,

    /// <summary>XML value <c>connect</c>.</summary>
    Connect,
}
