using System.Xml;
using System.Xml.Linq;
using Virt.Domain;
using Virt.Domain.Storage;
using Virt.Domain.Xml;

namespace Virt.Driver.Test;

/// <summary>The objects of libvirt's defaultConnXML, parsed from the embedded copy.</summary>
internal sealed class DefaultFixture
{
    private const string ResourceName = "Virt.Driver.Test.DefaultConnection.xml";

    /// <summary>libvirt's test driver gives every pool 100 GiB, none of it allocated (testStoragePoolObjSetDefaults).</summary>
    private const ulong PoolCapacityBytes = 100UL * 1024 * 1024 * 1024;

    private DefaultFixture(IReadOnlyList<DomainDefinition> domains, IReadOnlyList<NetworkSummary> networks, IReadOnlyList<StoragePoolSummary> pools)
    {
        Domains = domains;
        Networks = networks;
        Pools = pools;
    }

    public IReadOnlyList<DomainDefinition> Domains { get; }

    public IReadOnlyList<NetworkSummary> Networks { get; }

    public IReadOnlyList<StoragePoolSummary> Pools { get; }

    public static DefaultFixture Load()
    {
        using var stream = typeof(DefaultFixture).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(DefaultFixture).Assembly.GetName().Name}.");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        var node = XElement.Load(reader);
        // The fixture is ours and fixed, so a parse failure is a bug in it, not bad input: let it surface as it is.
        var domains = node.Elements("domain").Select(e => TestDefinitions.Normalise(DomainXml.Parse(Text(e)))).ToList();
        var networks = node.Elements("network")
            .Select(e => new NetworkSummary { Definition = NetworkXml.Parse(Text(e)), Active = true, Persistent = true })
            .ToList();
        var pools = node.Elements("pool").Select(e => Pool(StoragePoolXml.Parse(Text(e)))).ToList();
        return new DefaultFixture(domains, networks, pools);
    }

    private static StoragePoolSummary Pool(StoragePoolDefinition definition) => new()
    {
        Definition = definition with { CapacityBytes = PoolCapacityBytes, AllocationBytes = 0, AvailableBytes = PoolCapacityBytes },
        State = StoragePoolState.Running,
        Persistent = true,
        CapacityBytes = PoolCapacityBytes,
        AllocationBytes = 0,
        AvailableBytes = PoolCapacityBytes,
    };

    private static string Text(XElement element) => element.ToString(SaveOptions.DisableFormatting);
}
