namespace Virt.Driver;

/// <summary>A volume named by its pool (name or UUID) and name, by its key, or by its path; exactly one way.</summary>
public sealed record VolumeLocator
{
    private VolumeLocator()
    {
    }

    /// <summary>The pool's name or UUID, with <see cref="Name"/>.</summary>
    public string? Pool { get; private init; }

    public string? Name { get; private init; }

    public string? Key { get; private init; }

    public string? Path { get; private init; }

    public static VolumeLocator InPool(string pool, string name) => new() { Pool = pool, Name = name };

    public static VolumeLocator ByKey(string key) => new() { Key = key };

    public static VolumeLocator ByPath(string path) => new() { Path = path };

    /// <summary>libvirt's words for the lookup, as in "no storage vol with matching name 'x'".</summary>
    public string Describe() =>
        Name is not null ? $"name '{Name}'" : Key is not null ? $"key '{Key}'" : $"path '{Path}'";

    public override string ToString() => Name is not null ? $"{Pool}/{Name}" : Key ?? Path ?? "";
}
