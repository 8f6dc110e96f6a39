namespace Virt.Testing;

/// <summary>Locates the repository checkout that the running test assembly was built from.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> _root = new(FindRoot);

    /// <summary>The directory that holds Virt.sln.</summary>
    public static string Root => _root.Value;

    public static string Tools => Path.Combine(Root, "tools");

    public static string Proto => Path.Combine(Root, "proto");

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
