namespace Virt.Testing;

/// <summary>Locates the repository checkout that the running test assembly was built from.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> _root = new(FindRoot);

    /// <summary>The directory that holds Virt.sln.</summary>
    public static string Root => _root.Value;

    public static string Tools => Path.Combine(Root, "tools");

    public static string Proto => Path.Combine(Root, "proto");

    /// <summary>The vsh built alongside the running tests (same configuration).</summary>
    public static string Vsh
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(Root, "src", "Virt.Cli", "bin", configuration, "net10.0", "vsh");
            return File.Exists(path) ? path : throw new FileNotFoundException($"vsh is not built at {path}; build src/Virt.Cli first.", path);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Virt.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Virt.sln above {AppContext.BaseDirectory}; tests must run from a checkout.");
    }
}
