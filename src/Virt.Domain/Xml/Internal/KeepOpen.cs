namespace Virt.Domain.Xml.Internal;

/// <summary>
/// Annotation for elements libvirt writes as an open/close pair even when empty
/// (a pool's <c>&lt;source&gt;</c>, a network's <c>&lt;ip&gt;</c>), so output matches byte for byte.
/// </summary>
internal sealed class KeepOpen
{
    public static KeepOpen Instance { get; } = new();
}
