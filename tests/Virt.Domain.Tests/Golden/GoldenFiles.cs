using Virt.Testing;

namespace Virt.Domain.Tests.Golden;

/// <summary>Finds golden cases: Data/&lt;kind&gt;/&lt;case&gt;.xml with &lt;case&gt;.out.xml or &lt;case&gt;.err beside it.</summary>
public static class GoldenFiles
{
    public const string OutSuffix = ".out.xml";
    public const string ErrSuffix = ".err";

    public static string DataRoot => Path.Combine(RepoPaths.Root, "tests", "Virt.Domain.Tests", "Data");

    public static bool Regenerate => Environment.GetEnvironmentVariable("VIRT_TEST_REGENERATE") == "1";

    public static IEnumerable<string> Inputs(string kind) =>
        Directory.EnumerateFiles(Path.Combine(DataRoot, kind), "*.xml")
            .Where(f => !f.EndsWith(OutSuffix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    public static string CaseName(string input) => Path.GetFileNameWithoutExtension(input);

    public static string OutPath(string input) => Path.ChangeExtension(input, null) + OutSuffix;

    public static string ErrPath(string input) => Path.ChangeExtension(input, null) + ErrSuffix;
}
