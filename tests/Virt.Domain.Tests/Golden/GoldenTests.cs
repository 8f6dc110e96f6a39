namespace Virt.Domain.Tests.Golden;

/// <summary>
/// libvirt qemuxmlconftest-style golden tests: every input must either format to its .out.xml (which must
/// itself be a fixed point) or fail with exactly the message in its .err.
/// Set VIRT_TEST_REGENERATE=1 to rewrite expectations, then review the diff.
/// </summary>
[TestFixture]
public sealed class GoldenTests
{
    private static IEnumerable<TestCaseData> Cases(string kind) =>
        GoldenFiles.Inputs(kind).Select(input => new TestCaseData(kind, input).SetName($"{kind}/{GoldenFiles.CaseName(input)}"));

    private static IEnumerable<TestCaseData> DomainCases() => Cases("domain");

    private static IEnumerable<TestCaseData> NetworkCases() => Cases("network");

    private static IEnumerable<TestCaseData> PoolCases() => Cases("pool");

    private static IEnumerable<TestCaseData> VolumeCases() => Cases("volume");

    [TestCaseSource(nameof(DomainCases))]
    public void Domain(string kind, string input) => Run(kind, input);

    [TestCaseSource(nameof(NetworkCases))]
    public void Network(string kind, string input) => Run(kind, input);

    [TestCaseSource(nameof(PoolCases))]
    public void Pool(string kind, string input) => Run(kind, input);

    [TestCaseSource(nameof(VolumeCases))]
    public void Volume(string kind, string input) => Run(kind, input);

    [TestCase("domain", 25)]
    [TestCase("network", 5)]
    [TestCase("pool", 5)]
    [TestCase("volume", 5)]
    public void Each_kind_has_enough_cases(string kind, int minimum)
    {
        var succeeding = GoldenFiles.Inputs(kind).Count(i => File.Exists(GoldenFiles.OutPath(i)));
        Assert.That(succeeding, Is.GreaterThanOrEqualTo(minimum), $"{kind} needs at least {minimum} successful cases");
    }

    [Test]
    public void Enough_broken_documents_are_covered()
    {
        var failing = GoldenKind.All.Sum(k => GoldenFiles.Inputs(k.Directory).Count(i => File.Exists(GoldenFiles.ErrPath(i))));
        Assert.That(failing, Is.GreaterThanOrEqualTo(20));
    }

    [Test]
    public void No_orphan_files()
    {
        var problems = new List<string>();
        foreach (var kind in GoldenKind.All)
        {
            var directory = Path.Combine(GoldenFiles.DataRoot, kind.Directory);
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                var name = Path.GetFileName(file);
                if (name.EndsWith(GoldenFiles.OutSuffix, StringComparison.Ordinal) || name.EndsWith(GoldenFiles.ErrSuffix, StringComparison.Ordinal))
                {
                    var stem = name.EndsWith(GoldenFiles.OutSuffix, StringComparison.Ordinal) ? name[..^GoldenFiles.OutSuffix.Length] : name[..^GoldenFiles.ErrSuffix.Length];
                    if (!File.Exists(Path.Combine(directory, stem + ".xml")))
                    {
                        problems.Add($"unused file: {kind.Directory}/{name}");
                    }
                }
                else if (name.EndsWith(".xml", StringComparison.Ordinal))
                {
                    var hasOut = File.Exists(GoldenFiles.OutPath(file));
                    var hasErr = File.Exists(GoldenFiles.ErrPath(file));
                    if (hasOut == hasErr)
                    {
                        problems.Add($"{kind.Directory}/{name} needs exactly one of .out.xml and .err");
                    }
                }
                else
                {
                    problems.Add($"unexpected file: {kind.Directory}/{name}");
                }
            }
        }
        Assert.That(problems, Is.Empty);
    }

    private static void Run(string kindName, string input)
    {
        var kind = GoldenKind.Named(kindName);
        var xml = File.ReadAllText(input);
        string? output = null;
        DefinitionException? error = null;
        try
        {
            output = kind.ParseAndFormat(xml, GoldenKind.DeterministicOptions());
        }
        catch (DefinitionException ex)
        {
            error = ex;
        }
        var outPath = GoldenFiles.OutPath(input);
        var errPath = GoldenFiles.ErrPath(input);
        if (GoldenFiles.Regenerate)
        {
            if (output is not null && !File.Exists(errPath))
            {
                File.WriteAllText(outPath, output);
            }
            else if (error is not null && !File.Exists(outPath))
            {
                File.WriteAllText(errPath, error.Message + "\n");
            }
        }
        if (File.Exists(errPath))
        {
            Assert.That(error, Is.Not.Null, $"expected a failure but got:\n{output}");
            Assert.That(error!.Message + "\n", Is.EqualTo(File.ReadAllText(errPath)));
            return;
        }
        Assert.That(error, Is.Null, $"unexpected failure: {error?.Message}");
        Assert.That(File.Exists(outPath), Is.True, $"missing {outPath}; run with VIRT_TEST_REGENERATE=1 and review");
        Assert.That(output, Is.EqualTo(File.ReadAllText(outPath)));
        // The output must be a fixed point: parsing what we wrote gives the same text again.
        Assert.That(kind.ParseAndFormat(output!, GoldenKind.DeterministicOptions()), Is.EqualTo(output), "format(parse(out)) differs from out");
    }
}
