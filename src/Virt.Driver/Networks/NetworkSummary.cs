using Virt.Domain.Network;

namespace Virt.Driver;

/// <summary>A virtual network as last committed.</summary>
public sealed record NetworkSummary
{
    public required NetworkDefinition Definition { get; init; }

    public bool Active { get; init; }

    public bool Persistent { get; init; } = true;

    public bool Autostart { get; init; }

    public string Name => Definition.Name;

    public Guid Uuid => Definition.Uuid;
}
