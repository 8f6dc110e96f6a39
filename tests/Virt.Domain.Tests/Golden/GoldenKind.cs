using Virt.Domain.Xml;

namespace Virt.Domain.Tests.Golden;

/// <summary>One document kind under Data/: how to turn its input into formatted output.</summary>
public sealed record GoldenKind(string Directory, Func<string, DefinitionParseOptions, string> ParseAndFormat)
{
    /// <summary>Host CPU count the domain cases are validated against.</summary>
    public const int HostCpus = 8;

    public static IReadOnlyList<GoldenKind> All { get; } =
    [
        new("domain", (xml, options) =>
        {
            var definition = DomainXml.Parse(xml, options);
            DomainValidator.Validate(definition, DefinitionLimits.Default, HostCpus);
            return DomainXml.Format(definition);
        }),
        new("network", (xml, options) => NetworkXml.Format(NetworkXml.Parse(xml, options))),
        new("pool", (xml, options) => StoragePoolXml.Format(StoragePoolXml.Parse(xml, options))),
        new("volume", (xml, options) => StorageVolumeXml.Format(StorageVolumeXml.Parse(xml, options))),
    ];

    public static GoldenKind Named(string directory) => All.Single(k => k.Directory == directory);

    /// <summary>Options whose UUIDs and MACs are sequential, so outputs are reproducible.</summary>
    public static DefinitionParseOptions DeterministicOptions()
    {
        var uuids = 0;
        var macs = 0;
        return new DefinitionParseOptions
        {
            NewUuid = () => new Guid($"00000000-0000-4000-8000-{++uuids:x12}"),
            NewMac = () => $"52:54:00:00:00:{++macs:x2}",
        };
    }
}
