using Virt.Domain;

namespace Virt.Driver;

/// <summary>
/// What every driver checks before a rename (libvirt's virDomainRename, virDomainObjListRename and the drivers'
/// own checks), in libvirt's order and words, so the two drivers refuse alike; which names are taken is each
/// driver's to say, under its own lock.
/// </summary>
public static class DomainRenaming
{
    // libvirt's virDomainEventUndefinedDetailType / virDomainEventDefinedDetailType "renamed".
    public const int UndefinedRenamed = 1;

    public const int DefinedRenamed = 2;

    /// <exception cref="VirtException">The domain is active or transient (checked first, before a driver's own refusals).</exception>
    public static void CheckState(DomainSummary current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.IsActive)
        {
            throw VirtException.OperationInvalid(current.Name, "rename", current.State, "cannot rename active domain");
        }
        if (!current.Persistent)
        {
            throw VirtException.OperationInvalid(current.Name, "rename", current.State, "cannot rename a transient domain");
        }
    }

    /// <exception cref="VirtException">The name is one the definition rules refuse, the domain's own, or one <paramref name="taken"/> says another domain has.</exception>
    public static void CheckName(DomainSummary current, string newName, Func<string, bool> taken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(newName);
        ArgumentNullException.ThrowIfNull(taken);
        if (DefinitionNames.Check(newName) is { } problem)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Cannot rename domain '{current.Name}': {problem}; allowed: {DefinitionNames.Rule}.",
                new Dictionary<string, string> { ["domain"] = current.Name, ["new_name"] = newName });
        }
        if (newName == current.Name)
        {
            throw VirtException.OperationInvalid(current.Name, "rename", current.State, "Can't rename domain to itself");
        }
        if (taken(newName))
        {
            throw VirtException.OperationInvalid(current.Name, "rename", current.State, $"domain with name '{newName}' already exists");
        }
    }
}
