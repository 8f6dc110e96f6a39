using System.Collections.Frozen;
using System.Runtime.CompilerServices;

namespace Virt.Domain.Xml;

/// <summary>A two-way table between the strings libvirt writes and an enum.</summary>
/// <typeparam name="T">The enum type (its underlying type is <see cref="int"/>).</typeparam>
public sealed class EnumMap<T>
    where T : struct, Enum
{
    // Keyed and valued by the enum's int value, so one pair of dictionary types serves every enum. As
    // FrozenDictionary<string, T> and FrozenDictionary<T, string>, NativeAOT compiled every frozen-dictionary strategy
    // again for each of the 60-odd enums: 2 MiB of virtd's code, all of it resident (src/Virt.Domain/README.md).
    private readonly FrozenDictionary<string, int> _byName;
    private readonly FrozenDictionary<int, string> _byValue;

    /// <summary>Creates the table; every value must appear exactly once.</summary>
    /// <param name="pairs">XML name and enum value pairs, in libvirt's order.</param>
    public EnumMap(params (string Name, T Value)[] pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (Unsafe.SizeOf<T>() != sizeof(int))
        {
            throw new ArgumentException($"{typeof(T).Name} must have int as its underlying type.", nameof(pairs));
        }
        var byName = new Dictionary<string, int>(pairs.Length, StringComparer.Ordinal);
        var byValue = new Dictionary<int, string>(pairs.Length);
        var names = new string[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            var (name, value) = pairs[i];
            byName.Add(name, Unsafe.BitCast<T, int>(value));
            byValue.Add(Unsafe.BitCast<T, int>(value), name);
            names[i] = name;
        }
        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _byValue = byValue.ToFrozenDictionary();
        Names = names;
    }

    /// <summary>All accepted names, in libvirt's order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Looks a name up; names are case-sensitive as in libvirt.</summary>
    /// <param name="name">The XML value.</param>
    /// <param name="value">The enum value when found.</param>
    /// <returns>Whether the name is known.</returns>
    public bool TryParse(string name, out T value)
    {
        var found = _byName.TryGetValue(name, out var raw);
        value = Unsafe.BitCast<int, T>(raw);
        return found;
    }

    /// <summary>The XML value of an enum value.</summary>
    /// <param name="value">An enum value present in the table.</param>
    /// <returns>The XML name.</returns>
    public string ToXml(T value)
    {
        if (_byValue.TryGetValue(Unsafe.BitCast<T, int>(value), out var name))
        {
            return name;
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no XML name for this value.");
    }
}
