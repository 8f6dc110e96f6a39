namespace Virt.Domain;

/// <summary>Guest side of a console.</summary>
public enum ConsoleTargetType
{
    /// <summary>XML value <c>serial</c>.</summary>
    Serial,

    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,
}
