using System.Text.Json;

namespace Virt.Qemu.Capabilities;

/// <summary>
/// The serialized form of <see cref="QemuCapabilities"/> (the same one the cache writes), so that a probe can be
/// recorded once and replayed, e.g. as a fixed snapshot for golden tests.
/// </summary>
public static class QemuCapabilitiesJson
{
    /// <summary>Serializes capabilities as indented JSON.</summary>
    public static string ToJson(QemuCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        return JsonSerializer.Serialize(capabilities, IndentedCapabilitiesJsonContext.Default.QemuCapabilities);
    }

    /// <summary>Reads capabilities written by <see cref="ToJson"/> or by the cache.</summary>
    /// <exception cref="JsonException">The text is not a capabilities document.</exception>
    public static QemuCapabilities FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize(json, IndentedCapabilitiesJsonContext.Default.QemuCapabilities)
            ?? throw new JsonException("The capabilities document is null.");
    }
}
