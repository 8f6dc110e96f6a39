namespace Virt.Driver.Qemu;

/// <summary>
/// virsh save-image-dumpxml and save-image-define (and the managed-save twins through
/// <see cref="ReplaceImageXmlAsync"/>): the XML behind a save image's header, read or replaced atomically with an
/// ABI-compatible one (Save/README.md).
/// </summary>
public sealed partial class QemuDomainDriver
{
    public async Task<string> GetSaveImageXmlAsync(string path, CancellationToken cancellationToken) =>
        (await SaveImage.ReadAsync(path, cancellationToken, "read").ConfigureAwait(false)).Xml;

    public Task DefineSaveImageXmlAsync(string path, string xml, SavedGuestState state, CancellationToken cancellationToken) =>
        ReplaceImageXmlAsync(path, xml, state, cancellationToken);

    /// <summary>
    /// Checks the image and the new XML completely (a parse error or an ABI change refuses it with the file
    /// untouched), then rewrites the image beside itself and renames it over (<see cref="SaveImage.RewriteAsync"/>).
    /// </summary>
    private async Task ReplaceImageXmlAsync(string path, string xml, SavedGuestState state, CancellationToken cancellationToken)
    {
        var image = await SaveImage.ReadAsync(path, cancellationToken, "update").ConfigureAwait(false);
        var saved = QemuDefinitions.Parse(image.Xml, _options);
        var (document, replacement) = QemuDefinitions.Canonical(QemuDefinitions.Parse(xml, _options), _options);
        SaveImageAbi.Check(image.Path, saved, replacement);
        var wasRunning = state switch { SavedGuestState.Running => true, SavedGuestState.Paused => false, _ => image.WasRunning };
        await image.RewriteAsync(document, wasRunning, cancellationToken).ConfigureAwait(false);
        SaveLog.ImageXmlReplaced(_logger, image.Path);
    }
}
