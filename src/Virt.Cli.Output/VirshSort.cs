using System.Text;

namespace Virt.Cli.Output;

/// <summary>The orders virsh sorts lists into on the client side, whatever order the server returned.</summary>
internal static class VirshSort
{
    /// <summary>
    /// vshStrcasecmp over the UTF-8 bytes, folding ASCII letters only; names differing only in non-ASCII case
    /// may order differently from virsh (see README).
    /// </summary>
    public static int CaseInsensitive(string a, string b)
    {
        var x = Encoding.UTF8.GetBytes(a);
        var y = Encoding.UTF8.GetBytes(b);
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            var c = Fold(x[i]) - Fold(y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Length - y.Length;
    }

    /// <summary>virshDomainSorter: running domains by id, then inactive ones by name.</summary>
    public static int Domains(DomainRow a, DomainRow b)
    {
        if (a.Id is { } ida && b.Id is { } idb)
        {
            return ((uint)ida).CompareTo((uint)idb);
        }

        if (a.Id is null && b.Id is null)
        {
            return CaseInsensitive(a.Name, b.Name);
        }

        return a.Id is null ? 1 : -1;
    }

    private static int Fold(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? c + 32 : c;
}
