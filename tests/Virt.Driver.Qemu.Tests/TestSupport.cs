using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Virt.Driver.Qemu.Tests;

/// <summary>Definitions, a log that keeps its lines, and a fingerprint of a directory tree.</summary>
internal static class TestSupport
{
    public static string DomainXml(string name, Guid? uuid = null, string? description = null, int vcpus = 1, string type = "qemu") =>
        $"""
        <domain type='{type}'>
          <name>{System.Security.SecurityElement.Escape(name)}</name>
          {(uuid is { } u ? $"<uuid>{u}</uuid>" : "")}
          {(description is null ? "" : $"<description>{description}</description>")}
          <memory unit='MiB'>64</memory>
          <vcpu>{vcpus.ToString(CultureInfo.InvariantCulture)}</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """;

    /// <summary>Every file under <paramref name="root"/> with its mode and a hash of its bytes, and every directory.</summary>
    public static string TreeFingerprint(string root)
    {
        var lines = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, entry);
            lines.Add(File.Exists(entry)
                ? $"{relative} {File.GetUnixFileMode(entry)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry)))}"
                : $"{relative}/");
        }
        return string.Join('\n', lines);
    }
}

/// <summary>An ILogger that keeps formatted lines, for asserting what the driver reported.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)}");
}
