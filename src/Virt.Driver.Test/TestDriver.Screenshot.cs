namespace Virt.Driver.Test;

/// <summary>
/// screenshot, as libvirt's testDomainScreenshot: the same fixed PNG for every domain and screen, whatever its state
/// (libvirt streams its <c>test-screenshot.png</c> without looking at the domain; ours is a small image of our own).
/// </summary>
public sealed partial class TestDriver : IDomainScreenshot
{
    private static readonly Lazy<byte[]> _screenshot = new(LoadScreenshot);

    public Task<DomainScreenshot> TakeScreenshotAsync(DomainRef domain, uint screen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        // Only a domain that was removed since the client looked it up fails.
        _ = Find(Volatile.Read(ref _domains), domain);
        return Task.FromResult(new DomainScreenshot("image/png", _screenshot.Value));
    }

    private static byte[] LoadScreenshot()
    {
        using var stream = typeof(TestDriver).Assembly.GetManifestResourceStream("Virt.Driver.Test.TestScreenshot.png")
            ?? throw new InvalidOperationException("Virt.Driver.Test.TestScreenshot.png is not embedded in this assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
