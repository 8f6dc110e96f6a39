using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Virt.Qemu.Capabilities;

/// <summary>
/// Capabilities per QEMU binary, probed once per binary identity (<see cref="BinaryIdentity"/>: path, size, inode,
/// modification and change time) and kept in
/// memory and, when a directory is given, on disk across restarts. Concurrent callers share one probe.
/// </summary>
public sealed class QemuCapabilitiesCache(string? cacheDirectory, IQemuCapabilitiesProbe probe)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<QemuCapabilities>>> _memory = new(StringComparer.Ordinal);

    /// <summary>Creates a cache with the real probe.</summary>
    public QemuCapabilitiesCache(string? cacheDirectory)
        : this(cacheDirectory, new QemuCapabilitiesProbe())
    {
    }

    /// <summary>The capabilities of <paramref name="binary"/> (a path, or a name looked up in PATH).</summary>
    public async Task<QemuCapabilities> GetAsync(string binary, CancellationToken cancellationToken)
    {
        var path = ResolveBinary(binary);
        var identity = Identify(path);
        var entry = _memory.GetOrAdd(identity, _ => new Lazy<Task<QemuCapabilities>>(() => LoadOrProbeAsync(path, identity, cancellationToken)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed or cancelled probe must not poison the cache for the next caller.
            _memory.TryRemove(new KeyValuePair<string, Lazy<Task<QemuCapabilities>>>(identity, entry));
            throw;
        }
    }

    /// <summary>Resolves a binary name through PATH; a path containing '/' is taken as it is.</summary>
    public static string ResolveBinary(string binary)
    {
        if (binary.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(binary) ? Path.GetFullPath(binary) : throw new FileNotFoundException($"QEMU binary {binary} does not exist.", binary);
        }
        return ProgramPath.Find(binary) ?? throw new FileNotFoundException($"QEMU binary '{binary}' is not in PATH; install qemu-system-x86 or give its path.", binary);
    }

    private async Task<QemuCapabilities> LoadOrProbeAsync(string path, string identity, CancellationToken cancellationToken)
    {
        var file = cacheDirectory is null ? null : Path.Combine(cacheDirectory, FileNameFor(identity));
        if (file is not null && TryLoad(file, identity) is { } cached)
        {
            return cached;
        }
        var probed = await probe.ProbeAsync(path, identity, cancellationToken).ConfigureAwait(false);
        if (file is not null)
        {
            Save(file, probed);
        }
        return probed;
    }

    private static QemuCapabilities? TryLoad(string file, string identity)
    {
        try
        {
            var loaded = JsonSerializer.Deserialize(File.ReadAllBytes(file), CapabilitiesJsonContext.Default.QemuCapabilities);
            return loaded?.BinaryIdentity == identity ? loaded : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            // A missing or damaged cache file only costs a probe.
            return null;
        }
    }

    private static void Save(string file, QemuCapabilities capabilities)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temp = file + ".tmp." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(capabilities, CapabilitiesJsonContext.Default.QemuCapabilities));
        File.Move(temp, file, overwrite: true);
    }

    private static string Identify(string path) => BinaryIdentity.Of(path);

    private static string FileNameFor(string identity) =>
        "qemu-" + Convert.ToHexStringLower(XxHash3.Hash(Encoding.UTF8.GetBytes(identity))) + ".json";
}

[JsonSerializable(typeof(QemuCapabilities))]
[JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class CapabilitiesJsonContext : JsonSerializerContext;
