namespace Virt.Domain.Xml;

/// <summary>Settings for parsing untrusted definition documents.</summary>
public sealed record DefinitionParseOptions
{
    /// <summary>The default size limit: 1 MiB, far above any real guest definition (a large q35 guest is ~20 KiB).</summary>
    public const int DefaultMaxDocumentBytes = 1024 * 1024;

    /// <summary>The shared default options.</summary>
    public static DefinitionParseOptions Default { get; } = new();

    /// <summary>Largest accepted document, in UTF-8 bytes.</summary>
    public int MaxDocumentBytes { get; init; } = DefaultMaxDocumentBytes;

    /// <summary>
    /// The document is a running domain's live definition, as its driver wrote it (libvirt parses those without
    /// VIR_DOMAIN_DEF_PARSE_INACTIVE): what the driver allocated at start, such as an automatic display's port, is
    /// kept. A definition given to define, create or a migration is never live: those drop it.
    /// </summary>
    public bool Live { get; init; }

    /// <summary>Source of UUIDs for definitions that do not carry one; replaced by tests for determinism.</summary>
    public Func<Guid> NewUuid { get; init; } = Guid.NewGuid;

    /// <summary>
    /// Source of MAC addresses for NICs that do not carry one, as lowercase <c>xx:xx:xx:xx:xx:xx</c>; the default
    /// uses QEMU's 52:54:00 prefix with three random bytes, as libvirt's QEMU driver does.
    /// </summary>
    public Func<string> NewMac { get; init; } = RandomQemuMac;

    private static string RandomQemuMac()
    {
        Span<byte> tail = stackalloc byte[3];
        Random.Shared.NextBytes(tail);
        return $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}";
    }
}
