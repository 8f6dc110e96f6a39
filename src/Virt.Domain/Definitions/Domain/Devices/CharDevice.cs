namespace Virt.Domain;

/// <summary>A character device: serial, parallel, console or channel; the list it sits in says which.</summary>
public sealed record CharDevice
{
    /// <summary>Host side kind.</summary>
    public CharDeviceType Type { get; init; }

    /// <summary>Host side source.</summary>
    public CharSource? Source { get; init; }

    /// <summary>TCP wire protocol.</summary>
    public CharProtocol? Protocol { get; init; }

    /// <summary>Log file.</summary>
    public string? LogFile { get; init; }

    /// <summary>Whether the log file is appended to.</summary>
    public bool? LogAppend { get; init; }

    /// <summary>Guest side.</summary>
    public CharTarget? Target { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
