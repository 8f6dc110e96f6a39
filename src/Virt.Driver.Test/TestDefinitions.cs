using System.Globalization;
using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Test;

/// <summary>
/// What libvirt's test driver does to a definition on top of the generic parse: it parses as an inactive
/// definition (runtime fields dropped), defaults the architecture to i686 and names every NIC without a target
/// device <c>testnetN</c>, the lowest number not already taken in the domain, and gives a display without a video card
/// the default one.
/// </summary>
internal static class TestDefinitions
{
    public const string DefaultArch = "i686";

    // libvirt's virDomainDefAddImplicitVideo: a display needs a video card, the test driver's default one.
    private static readonly Video _implicitVideo = new() { Model = VideoModel.Cirrus, Vram = 16384, Heads = 1, Primary = true };

    public static DomainDefinition Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        DomainDefinition parsed;
        try
        {
            parsed = DomainXml.Parse(xml);
        }
        catch (DefinitionException e)
        {
            throw VirtException.FromDefinition(e);
        }
        return Normalise(parsed);
    }

    public static DomainDefinition Normalise(DomainDefinition definition)
    {
        var taken = new HashSet<string>(definition.Devices.Interfaces.Select(i => i.TargetDev).OfType<string>(), StringComparer.Ordinal);
        var interfaces = new List<NetworkInterface>(definition.Devices.Interfaces.Count);
        foreach (var nic in definition.Devices.Interfaces)
        {
            var target = nic.TargetDev;
            if (target is null)
            {
                target = Enumerable.Range(0, int.MaxValue).Select(n => "testnet" + n.ToString(CultureInfo.InvariantCulture)).First(n => !taken.Contains(n));
                taken.Add(target);
            }
            // libvirt drops these on an inactive parse: they describe a running guest, not its configuration.
            var source = nic.Type == InterfaceType.Network && nic.Source is { } s ? s with { Bridge = null, PortId = null } : nic.Source;
            interfaces.Add(nic with { TargetDev = target, Source = source });
        }
        return definition with
        {
            Id = null,
            Os = definition.Os.Arch is null ? definition.Os with { Arch = DefaultArch } : definition.Os,
            Devices = definition.Devices with
            {
                Interfaces = new ValueList<NetworkInterface>(interfaces),
                Videos = definition.Devices.Graphics.Count > 0 && definition.Devices.Videos.Count == 0 ? new ValueList<Video>([_implicitVideo]) : definition.Devices.Videos,
            },
        };
    }
}
