using System.Collections.Frozen;

namespace Virt.Domain.Xml;

/// <summary>A two-way table between the strings libvirt writes and an enum.</summary>
/// <typeparam name="T">The enum type.</typeparam>
public sealed class EnumMap<T>
    where T : struct, Enum
{
    private readonly FrozenDictionary<string, T> _byName;
    private readonly FrozenDictionary<T, string> _byValue;

    /// <summary>Creates the table; every value must appear exactly once.</summary>
    /// <param name="pairs">XML name and enum value pairs, in libvirt's order.</param>
    public EnumMap(params (string Name, T Value)[] pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        _byName = pairs.ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        _byValue = pairs.ToFrozenDictionary(p => p.Value, p => p.Name);
        Names = [.. pairs.Select(p => p.Name)];
    }

    /// <summary>All accepted names, in libvirt's order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Looks a name up; names are case-sensitive as in libvirt.</summary>
    /// <param name="name">The XML value.</param>
    /// <param name="value">The enum value when found.</param>
    /// <returns>Whether the name is known.</returns>
    public bool TryParse(string name, out T value) => _byName.TryGetValue(name, out value);

    /// <summary>The XML value of an enum value.</summary>
    /// <param name="value">An enum value present in the table.</param>
    /// <returns>The XML name.</returns>
    public string ToXml(T value)
    {
        if (_byValue.TryGetValue(value, out var name))
        {
            return name;
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no XML name for this value.");
    }
}
