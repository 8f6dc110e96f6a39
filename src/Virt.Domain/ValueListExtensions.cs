namespace Virt.Domain;

/// <summary>Conversions to <see cref="ValueList{T}"/>.</summary>
public static class ValueListExtensions
{
    /// <summary>Copies a sequence into a value-equal immutable list.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="items">The items.</param>
    /// <returns>The list.</returns>
    public static ValueList<T> ToValueList<T>(this IEnumerable<T> items) => new(items);
}
