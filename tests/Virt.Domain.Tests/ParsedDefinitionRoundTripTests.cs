using Virt.Domain.Tests.Golden;
using Virt.Domain.Xml;

namespace Virt.Domain.Tests;

/// <summary>
/// The property the QEMU driver's define relies on to parse a document once: a definition the parser built formats
/// to a document that parses back to an equal definition (not just to the same text), so the stored file reloads to
/// exactly what memory holds.
/// </summary>
[TestFixture]
public sealed class ParsedDefinitionRoundTripTests
{
    private static IEnumerable<TestCaseData> DomainInputs() =>
        GoldenFiles.Inputs("domain").Where(i => File.Exists(GoldenFiles.OutPath(i)))
            .Select(input => new TestCaseData(input).SetName($"domain/{GoldenFiles.CaseName(input)}"));

    [TestCaseSource(nameof(DomainInputs))]
    public void A_parsed_definition_reparses_from_its_document_to_an_equal_definition(string input)
    {
        // Random UUIDs and MACs: whatever the parser generates must be in the document it formats.
        var parsed = DomainXml.Parse(File.ReadAllText(input), new DefinitionParseOptions());
        var reparsed = DomainXml.Parse(DomainXml.Format(parsed), new DefinitionParseOptions());

        Assert.That(reparsed, Is.EqualTo(parsed));
    }
}
