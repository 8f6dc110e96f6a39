namespace Virt.Cli.Output;

/// <summary>One domain as <c>virsh list</c> needs it.</summary>
/// <param name="Id">The running id, or null for an inactive domain (virsh prints "-").</param>
/// <param name="Name">The domain name.</param>
/// <param name="Uuid">The UUID in its canonical lower-case 8-4-4-4-12 form.</param>
/// <param name="State">The current state.</param>
/// <param name="Title">The metadata title; null or empty when the domain has none.</param>
/// <param name="HasManagedSave">Whether a managed save image exists (<c>list --managed-save</c> prints "saved").</param>
public sealed record DomainRow(
    int? Id,
    string Name,
    string Uuid,
    DomainState State,
    string? Title = null,
    bool HasManagedSave = false);
