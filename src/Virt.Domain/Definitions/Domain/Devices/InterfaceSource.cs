namespace Virt.Domain;

/// <summary>NIC source; which fields apply depends on the interface type.</summary>
public sealed record InterfaceSource
{
    /// <summary>Virtual network (type network).</summary>
    public string? Network { get; init; }

    /// <summary>Network port id written by a live dumpxml.</summary>
    public string? PortId { get; init; }

    /// <summary>Host bridge (type bridge; also written for live type network).</summary>
    public string? Bridge { get; init; }

    /// <summary>Host device (type direct).</summary>
    public string? Dev { get; init; }

    /// <summary>macvtap mode (type direct).</summary>
    public DirectMode? Mode { get; init; }
}
