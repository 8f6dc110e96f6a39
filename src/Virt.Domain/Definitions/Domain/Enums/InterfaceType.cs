namespace Virt.Domain;

/// <summary>How a guest NIC is connected to the host.</summary>
public enum InterfaceType
{
    /// <summary>XML value <c>network</c>.</summary>
    Network,

    /// <summary>XML value <c>bridge</c>.</summary>
    Bridge,

    /// <summary>XML value <c>user</c>.</summary>
    User,

    /// <summary>XML value <c>direct</c>.</summary>
    Direct,

    /// <summary>XML value <c>ethernet</c>.</summary>
    Ethernet,
}
