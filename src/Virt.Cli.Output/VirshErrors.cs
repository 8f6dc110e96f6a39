using System.Text;

namespace Virt.Cli.Output;

/// <summary>
/// virsh's stderr: <c>vshError</c> (tools/vsh.c) writes <c>"error: " + message + "\n"</c>, and after a failed
/// command <c>vshReportError</c> adds the last libvirt error the same way, unless the lookup helper already
/// reset it (domain lookups do; network and pool lookups do not).
/// </summary>
public static class VirshErrors
{
    /// <summary>virsh-network.c's refusal of more than one of <c>--table</c>, <c>--name</c>, <c>--uuid</c>.</summary>
    public const string NetListOneOf = "Only one argument from --table, --name and --uuid may be specified.";

    /// <summary>The stderr text for these messages, one <c>error: </c> line each.</summary>
    public static string Format(params string[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        foreach (var m in messages)
        {
            text.Append("error: ").Append(m).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>VSH_EXCLUSIVE_OPTIONS: <c>Options --a and --b are mutually exclusive</c>.</summary>
    public static string MutuallyExclusive(string first, string second) =>
        $"Options --{first} and --{second} are mutually exclusive";

    /// <summary>virshLookupDomainBy's message for a name, id or UUID that matches no domain.</summary>
    public static string FailedToGetDomain(string argument) => $"failed to get domain '{argument}'";

    /// <summary>virshCommandOptNetworkBy's message for an unknown network.</summary>
    public static string FailedToGetNetwork(string argument) => $"failed to get network '{argument}'";

    /// <summary>virshCommandOptPoolBy's message for an unknown pool.</summary>
    public static string FailedToGetPool(string argument) => $"failed to get pool '{argument}'";

    /// <summary>libvirt's VIR_ERR_NO_NETWORK text for a lookup by name.</summary>
    public static string NoNetworkWithName(string name) =>
        $"Network not found: no network with matching name '{name}'";

    /// <summary>libvirt's VIR_ERR_NO_STORAGE_POOL text for a lookup by name.</summary>
    public static string NoStoragePoolWithName(string name) =>
        $"Storage pool not found: no storage pool with matching name '{name}'";

    /// <summary>The whole stderr of a domain command given an unknown domain.</summary>
    public static string DomainNotFound(string argument) => Format(FailedToGetDomain(argument));

    /// <summary>The whole stderr of a network command given an unknown network name.</summary>
    public static string NetworkNotFound(string name) => Format(FailedToGetNetwork(name), NoNetworkWithName(name));

    /// <summary>The whole stderr of a pool command given an unknown pool name.</summary>
    public static string PoolNotFound(string name) => Format(FailedToGetPool(name), NoStoragePoolWithName(name));
}
