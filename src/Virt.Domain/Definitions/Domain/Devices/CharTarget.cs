namespace Virt.Domain;

/// <summary>
/// Guest side of a character device (<c>&lt;target&gt;</c>). <see cref="Type"/> holds the XML value, checked
/// against <see cref="SerialTargetType"/>, <see cref="ConsoleTargetType"/> or <see cref="ChannelTargetType"/>
/// according to the device kind.
/// </summary>
public sealed record CharTarget
{
    /// <summary>Target type, as written.</summary>
    public string? Type { get; init; }

    /// <summary>Port number (serial, parallel, console); guestfwd port for channels.</summary>
    public uint? Port { get; init; }

    /// <summary>Channel name, e.g. <c>org.qemu.guest_agent.0</c>.</summary>
    public string? Name { get; init; }

    /// <summary>guestfwd address.</summary>
    public string? Address { get; init; }

    /// <summary>Channel connection state written by a live dumpxml.</summary>
    public string? State { get; init; }

    /// <summary>Serial device model (<c>&lt;model name&gt;</c>).</summary>
    public string? ModelName { get; init; }
}
