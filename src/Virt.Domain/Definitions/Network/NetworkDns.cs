namespace Virt.Domain.Network;

/// <summary>DNS settings (<c>&lt;dns&gt;</c>).</summary>
public sealed record NetworkDns
{
    /// <summary>Whether the DNS server runs.</summary>
    public bool? Enable { get; init; }

    /// <summary>Whether names without a domain are forwarded.</summary>
    public bool? ForwardPlainNames { get; init; }

    /// <summary>Upstream servers.</summary>
    public ValueList<DnsForwarder> Forwarders { get; init; } = ValueList<DnsForwarder>.Empty;

    /// <summary>TXT records.</summary>
    public ValueList<DnsTxt> Txts { get; init; } = ValueList<DnsTxt>.Empty;

    /// <summary>SRV records.</summary>
    public ValueList<DnsSrv> Srvs { get; init; } = ValueList<DnsSrv>.Empty;

    /// <summary>Host records.</summary>
    public ValueList<DnsHost> Hosts { get; init; } = ValueList<DnsHost>.Empty;
}
