namespace Virt.Domain;

/// <summary>Guest OS type (<c>&lt;os&gt;&lt;type&gt;</c> text).</summary>
public enum OsType
{
    /// <summary>XML value <c>hvm</c>.</summary>
    Hvm,

    /// <summary>XML value <c>linux</c>.</summary>
    Linux,
}
