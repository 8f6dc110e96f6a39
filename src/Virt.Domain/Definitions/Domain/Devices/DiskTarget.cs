using Virt.Domain.Xml.Internal.Domain;

namespace Virt.Domain;

/// <summary>Disk guest target (<c>&lt;target dev bus&gt;</c>).</summary>
/// <param name="Dev">Device name hint, e.g. <c>vda</c>.</param>
/// <param name="Bus">Bus; libvirt derives it from the name prefix when absent.</param>
public sealed record DiskTarget(string Dev, DiskBus Bus)
{
    /// <summary>
    /// libvirt's index of the target name: a bus prefix then base-26 letters (<c>vda</c> is 0, <c>vdb</c> 1,
    /// <c>vdaa</c> 26); null when the name has no such form.
    /// </summary>
    public int? Index => DiskNames.TryIndex(Dev, out var index) ? index : null;
}
