namespace Virt.Domain.Network;

/// <summary>How the network reaches the outside (<c>&lt;forward&gt;</c>).</summary>
public sealed record NetworkForward
{
    /// <summary>Mode; libvirt means <c>nat</c> when the attribute is absent.</summary>
    public NetworkForwardMode Mode { get; init; } = NetworkForwardMode.Nat;

    /// <summary>Restricts forwarding to one host device.</summary>
    public string? Dev { get; init; }

    /// <summary>NAT source address range.</summary>
    public NetworkRange? NatAddress { get; init; }

    /// <summary>NAT source port range.</summary>
    public NetworkPortRange? NatPorts { get; init; }

    /// <summary>Host devices usable for forwarding; libvirt lists <see cref="Dev"/> here too.</summary>
    public ValueList<string> Interfaces { get; init; } = ValueList<string>.Empty;
}
