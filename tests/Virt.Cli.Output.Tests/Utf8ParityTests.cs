namespace Virt.Cli.Output.Tests;

/// <summary>Tables with non-ASCII, wide and unprintable cells, under UTF-8 and C locales, against real virsh.</summary>
public sealed class Utf8ParityTests
{
    private static readonly (string Name, string? Title)[] _domains =
    [
        ("日本語-ünï", "tïtle 漢字"),
        ("e\u0301clair", "combining accent"),
        ("plain", "tab\there and \\x literal"),
        ("ｆｕｌｌ", null),
    ];

    [TestCase("C.UTF-8", TextLocale.Utf8)]
    [TestCase("C", TextLocale.C)]
    public async Task List_title_lines_up_as_virsh_does(string lcAll, TextLocale locale)
    {
        var setup = string.Join("; ", _domains.Select(d => $"define '{DomainXml.Write(d.Name, d.Title)}'"));
        var virsh = await RealVirsh.RunAfterAsync(setup, "list --all --title", lcAll);
        Assert.That(virsh.Stderr, Is.Empty);

        var rows = _domains.Select(d => new DomainRow(null, d.Name, DomainXml.UuidFor(d.Name), DomainState.Shutoff, d.Title))
            .Append(DefaultFixture.Domain());
        var ours = DomainFormatter.List(rows, new DomainListOptions(Title: true), new VirshOutputOptions(Locale: locale));
        Assert.That(ours, Is.EqualTo(virsh.Stdout));
    }
}
