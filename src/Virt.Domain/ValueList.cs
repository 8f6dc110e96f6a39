using System.Collections;
using System.Collections.Immutable;

namespace Virt.Domain;

/// <summary>
/// An immutable list with value equality, so that records holding lists compare by content and
/// "parse, format, parse gives an equal definition" can be asserted with <c>==</c>.
/// </summary>
/// <typeparam name="T">Element type; should itself have value equality.</typeparam>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly ImmutableArray<T> _items;

    /// <summary>Wraps the given items.</summary>
    /// <param name="items">The items, copied.</param>
    public ValueList(IEnumerable<T> items)
    {
        _items = [.. items];
    }

    private ValueList(ImmutableArray<T> items)
    {
        _items = items;
    }

    /// <summary>The empty list.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Mirrors ImmutableArray<T>.Empty; record property initialisers need a typed empty value.")]
    public static ValueList<T> Empty { get; } = new(ImmutableArray<T>.Empty);

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public T this[int index] => _items[index];

    /// <summary>Equality by content.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether both hold equal items in the same order.</returns>
    public static bool operator ==(ValueList<T>? left, ValueList<T>? right) => Equals(left, right);

    /// <summary>Inequality by content.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the lists differ.</returns>
    public static bool operator !=(ValueList<T>? left, ValueList<T>? right) => !Equals(left, right);

    /// <inheritdoc/>
    public bool Equals(ValueList<T>? other) =>
        other is not null && _items.AsSpan().SequenceEqual(other._items.AsSpan(), EqualityComparer<T>.Default);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var item in _items)
        {
            hash.Add(item);
        }
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
