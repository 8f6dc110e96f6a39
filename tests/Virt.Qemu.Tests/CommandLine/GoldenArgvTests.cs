using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine;

namespace Virt.Qemu.Tests.CommandLine;

/// <summary>XML → argv golden files, in the style of libvirt's qemuxmlconftest.</summary>
public sealed class GoldenArgvTests
{
    public static IEnumerable<TestCaseData> Cases() => ArgvGolden.CaseNames().Select(n => new TestCaseData(n).SetName($"Argv_of_{n}"));

    [OneTimeSetUp]
    public async Task Regenerate_the_capabilities_snapshot_when_asked()
    {
        if (ArgvGolden.Regenerate && Environment.GetEnvironmentVariable("VIRT_TEST_REGENERATE_CAPS") == "1")
        {
            var probed = await new QemuCapabilitiesCache(null).GetAsync("qemu-system-x86_64", CancellationToken.None);
            await File.WriteAllTextAsync(ArgvGolden.CapabilitiesSnapshot, QemuCapabilitiesJson.ToJson(probed) + "\n");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Argv_matches_its_golden_file(string name)
    {
        var definition = ArgvGolden.Parse(name);
        string actual;
        string extension;
        try
        {
            actual = ArgvGolden.Render(QemuCommandLine.Build(definition, ArgvGolden.Capabilities, ArgvGolden.Context));
            extension = ".args";
        }
        catch (QemuCommandLineException ex)
        {
            actual = ex.Message + "\n";
            extension = ".err";
        }
        var expectedFile = Path.Combine(ArgvGolden.Directory, name + extension);
        var otherFile = Path.Combine(ArgvGolden.Directory, name + (extension == ".args" ? ".err" : ".args"));
        if (ArgvGolden.Regenerate)
        {
            File.WriteAllText(expectedFile, actual);
            File.Delete(otherFile);
        }
        Assert.That(File.Exists(otherFile), Is.False, $"{name} produced {extension}, but {Path.GetFileName(otherFile)} exists; regenerate with VIRT_TEST_REGENERATE=1 and review the diff.");
        Assert.That(File.Exists(expectedFile), Is.True, $"{name}{extension} is missing; create it with VIRT_TEST_REGENERATE=1 and review it.");
        Assert.That(actual, Is.EqualTo(File.ReadAllText(expectedFile)), $"{name}{extension} differs; if the change is intended, regenerate with VIRT_TEST_REGENERATE=1 and review the diff.");
    }

    [Test]
    public void Every_expectation_file_has_its_case_and_each_case_one_expectation()
    {
        var cases = ArgvGolden.CaseNames().ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(ArgvGolden.Directory))
        {
            var name = Path.GetFileName(file);
            var extension = Path.GetExtension(file);
            if (name is "README.md" or "real-qemu-skips.txt" || extension == ".xml")
            {
                continue;
            }
            if (extension is not (".args" or ".err") || !cases.Contains(Path.GetFileNameWithoutExtension(file)))
            {
                problems.Add($"orphan file {name}");
            }
        }
        foreach (var name in cases)
        {
            var count = new[] { ".args", ".err" }.Count(e => File.Exists(Path.Combine(ArgvGolden.Directory, name + e)));
            if (count != 1)
            {
                problems.Add($"{name} has {count} expectation files");
            }
        }
        foreach (var skipped in ArgvGolden.RealQemuSkips().Keys.Where(k => !cases.Contains(k)))
        {
            problems.Add($"real-qemu-skips.txt names unknown case {skipped}");
        }
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void The_golden_set_covers_at_least_twenty_cases_with_refusals()
    {
        var names = ArgvGolden.CaseNames().ToList();
        Assert.That(names, Has.Count.GreaterThanOrEqualTo(20));
        Assert.That(names.Count(n => File.Exists(Path.Combine(ArgvGolden.Directory, n + ".err"))), Is.GreaterThanOrEqualTo(4));
    }
}
