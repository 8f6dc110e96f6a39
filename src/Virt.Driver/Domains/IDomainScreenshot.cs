namespace Virt.Driver;

/// <summary>
/// virsh screenshot (libvirt's virDomainScreenshot). Its own contract, apart from <see cref="IDomainRuntime"/>, because
/// a driver can have it without the rest: libvirt's test driver answers a screenshot but no balloon or pinning. The API
/// answers OPERATION_UNSUPPORTED for a driver without it.
/// </summary>
public interface IDomainScreenshot
{
    /// <summary>The image of screen <paramref name="screen"/>: the QEMU driver needs an active domain with a display.</summary>
    Task<DomainScreenshot> TakeScreenshotAsync(DomainRef domain, uint screen, CancellationToken cancellationToken);
}

/// <summary>A screenshot and its MIME type.</summary>
public sealed record DomainScreenshot(string MimeType, ReadOnlyMemory<byte> Data);
