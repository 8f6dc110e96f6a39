using Virt.Cli.Output;

namespace Virt.Cli.Runtime;

/// <summary>The order of lists in <c>--json</c> documents: the text's order (virsh sorts on the client), so a
/// program and a person see the same sequence. (Virt.Cli.Output keeps its exact byte-wise comparer to itself; an
/// ordinal case-insensitive order agrees with it on ASCII names.)</summary>
internal static class JsonOrder
{
    /// <summary>Running domains by id, then the others by name.</summary>
    public static int Domains(DomainRow a, DomainRow b) => (a.Id, b.Id) switch
    {
        ({ } x, { } y) => x.CompareTo(y),
        (null, null) => Names(a.Name, b.Name),
        (null, _) => 1,
        _ => -1,
    };

    public static int Names(string a, string b)
    {
        var folded = string.CompareOrdinal(a.ToLowerInvariant(), b.ToLowerInvariant());
        return folded != 0 ? folded : string.CompareOrdinal(a, b);
    }
}
