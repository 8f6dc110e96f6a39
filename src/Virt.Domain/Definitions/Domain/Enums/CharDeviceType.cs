namespace Virt.Domain;

/// <summary>Host side of a character device (serial, console, parallel, channel).</summary>
public enum CharDeviceType
{
    /// <summary>XML value <c>null</c>.</summary>
    Null,

    /// <summary>XML value <c>pty</c>.</summary>
    Pty,

    /// <summary>XML value <c>dev</c>.</summary>
    Dev,

    /// <summary>XML value <c>file</c>.</summary>
    File,

    /// <summary>XML value <c>pipe</c>.</summary>
    Pipe,

    /// <summary>XML value <c>stdio</c>.</summary>
    Stdio,

    /// <summary>XML value <c>tcp</c>.</summary>
    Tcp,

    /// <summary>XML value <c>unix</c>.</summary>
    Unix,

    /// <summary>XML value <c>spicevmc</c>.</summary>
    Spicevmc,
}
