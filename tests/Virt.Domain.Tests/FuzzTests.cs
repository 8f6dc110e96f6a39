using System.Xml;
using System.Xml.Linq;
using Virt.Domain.Tests.Golden;
using Virt.Domain.Xml;

namespace Virt.Domain.Tests;

/// <summary>
/// Mutates the valid golden inputs with a fixed seed and checks the parser's contract: every document either
/// parses, and then formats to a fixed point, or is refused with a <see cref="DefinitionException"/>.
/// </summary>
[TestFixture]
public sealed class FuzzTests
{
    private const int Iterations = 600;

    [Test]
    public void Mutated_documents_round_trip_or_fail_with_DefinitionException()
    {
        var random = new Random(20240611);
        var corpus = GoldenKind.All
            .SelectMany(kind => GoldenFiles.Inputs(kind.Directory).Where(i => File.Exists(GoldenFiles.OutPath(i))).Select(i => (kind, Xml: File.ReadAllText(i))))
            .ToList();
        Assert.That(corpus, Has.Count.GreaterThan(30));
        var parsed = 0;
        var refused = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var (kind, xml) = corpus[random.Next(corpus.Count)];
            var mutated = Mutate(xml, random);
            string output;
            try
            {
                output = kind.ParseAndFormat(mutated, GoldenKind.DeterministicOptions());
            }
            catch (DefinitionException)
            {
                refused++;
                continue;
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {ex.GetType().Name}: {ex.Message}\n--- input ---\n{mutated}");
                return;
            }
            parsed++;
            Assert.That(kind.ParseAndFormat(output, GoldenKind.DeterministicOptions()), Is.EqualTo(output), $"iteration {i}: output is not a fixed point\n--- input ---\n{mutated}");
            if (kind.Directory == "domain")
            {
                // The QEMU driver stores format(parse(x)) and keeps parse(x) in memory (ParsedDefinitionRoundTripTests).
                var definition = DomainXml.Parse(mutated, GoldenKind.DeterministicOptions());
                Assert.That(DomainXml.Parse(DomainXml.Format(definition), GoldenKind.DeterministicOptions()), Is.EqualTo(definition), $"iteration {i}: the document does not parse back to the definition\n--- input ---\n{mutated}");
            }
        }
        // A fuzzer that only ever hits one outcome is not exploring.
        Assert.That(parsed, Is.GreaterThan(Iterations / 20));
        Assert.That(refused, Is.GreaterThan(Iterations / 10));
    }

    private static string Mutate(string xml, Random random)
    {
        if (random.Next(10) == 0)
        {
            return xml[..random.Next(xml.Length)];
        }
        var document = XDocument.Parse(xml);
        var elements = document.Descendants().ToList();
        var steps = 1 + random.Next(2);
        for (var s = 0; s < steps; s++)
        {
            var element = elements[random.Next(elements.Count)];
            var attributes = element.Attributes().Where(a => !a.IsNamespaceDeclaration).ToList();
            switch (random.Next(8))
            {
                case 0 when element.Parent is not null:
                    element.Remove();
                    elements = document.Descendants().ToList();
                    break;
                case 1 when element.Parent is not null:
                    element.AddAfterSelf(new XElement(element));
                    elements = document.Descendants().ToList();
                    break;
                case 2:
                    element.Name = element.Name.Namespace + Corrupt(element.Name.LocalName, random);
                    break;
                case 3 when attributes.Count > 0:
                    attributes[random.Next(attributes.Count)].Remove();
                    break;
                case 4 when attributes.Count > 0:
                    var attribute = attributes[random.Next(attributes.Count)];
                    attribute.Value = CorruptValue(attribute.Value, random);
                    break;
                case 5 when attributes.Count > 0:
                    var renamed = attributes[random.Next(attributes.Count)];
                    renamed.Remove();
                    element.SetAttributeValue(Corrupt(renamed.Name.LocalName, random), renamed.Value);
                    break;
                case 6 when !element.HasElements:
                    element.Value = CorruptValue(element.Value, random);
                    break;
                default:
                    element.SetAttributeValue(Corrupt("extra", random), "1");
                    break;
            }
        }
        return document.ToString(SaveOptions.DisableFormatting);
    }

    private static string Corrupt(string name, Random random) => random.Next(3) switch
    {
        0 => name + "x",
        1 => name.Length > 1 ? name[..^1] : name + "y",
        _ => XmlConvert.EncodeLocalName(name.ToUpperInvariant()),
    };

    private static string CorruptValue(string value, Random random) => random.Next(8) switch
    {
        0 => string.Empty,
        1 => "-1",
        2 => "18446744073709551616",
        3 => "0x" + value,
        4 => value + value,
        5 => "/",
        6 => " " + value + "\t",
        _ => "0",
    };
}
