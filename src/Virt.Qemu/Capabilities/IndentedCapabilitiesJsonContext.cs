using System.Text.Json.Serialization;

namespace Virt.Qemu.Capabilities;

// Indented, because recorded snapshots are checked in and reviewed as diffs.
[JsonSerializable(typeof(QemuCapabilities))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class IndentedCapabilitiesJsonContext : JsonSerializerContext;
