using System.Text.Json.Nodes;

namespace Virt.Qemu.Qmp;

/// <summary>A QEMU version as QMP reports it.</summary>
/// <param name="Major">Major version.</param>
/// <param name="Minor">Minor version.</param>
/// <param name="Micro">Micro version.</param>
/// <param name="Package">The distribution's package string, e.g. <c>Debian 1:7.2+dfsg-7+deb12u18</c>.</param>
public sealed record QemuVersion(int Major, int Minor, int Micro, string Package)
{
    /// <summary>libvirt's encoding: major * 1,000,000 + minor * 1,000 + micro.</summary>
    public long Number => (Major * 1_000_000L) + (Minor * 1_000L) + Micro;

    /// <inheritdoc />
    public override string ToString() => $"{Major}.{Minor}.{Micro}";

    /// <summary>Reads the <c>version</c> object of the greeting or of <c>query-version</c>.</summary>
    public static QemuVersion FromQmp(JsonNode? version) => new(
        version?["qemu"]?["major"]?.GetValue<int>() ?? 0,
        version?["qemu"]?["minor"]?.GetValue<int>() ?? 0,
        version?["qemu"]?["micro"]?.GetValue<int>() ?? 0,
        version?["package"]?.GetValue<string>().Trim() ?? "");
}
