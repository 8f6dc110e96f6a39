namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// Compressed save images (Save/README.md, "Compressed images"): the header's format numbers are libvirt's and frozen,
/// a rewritten header keeps its format, and a compressor missing from virtd's PATH is a typed error before anything
/// is paused or started; a per-call format (save --image-format) is checked by name. The round trip with a real guest is in Virt.Integration.Tests' CompressedSaveTests.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SaveImageFormatTests
{
    private string _state = null!;

    [SetUp]
    public void CreateStateDirectory() => _state = Directory.CreateTempSubdirectory("virt-qemu-saveformat-").FullName;

    [TearDown]
    public void DeleteStateDirectory() => Directory.Delete(_state, recursive: true);

    [Test]
    public void The_formats_keep_libvirts_numbers_and_names()
    {
        // Persisted in every image's header: these must only ever grow (libvirt's virQEMUSaveFormat).
        Assert.That(Enum.GetValues<SaveImageFormat>().Select(f => $"{(int)f} {SaveImageCompression.Name(f)}"),
            Is.EqualTo(new[] { "0 raw", "1 gzip", "2 bzip2", "3 xz", "4 lzop", "5 zstd" }));
    }

    [Test]
    public void A_per_call_image_format_is_one_of_the_six_names_and_another_is_a_typed_error_listing_them()
    {
        Assert.That(SaveImageCompression.Names.Select(n => SaveImageCompression.Parse(n, "Cannot save domain 'web'")), Is.EqualTo(Enum.GetValues<SaveImageFormat>()));
        var refused = Assert.Throws<VirtException>(() => SaveImageCompression.Parse("ZSTD", "Cannot save domain 'web'"));
        Assert.That((refused!.Reason, refused.Message), Is.EqualTo((VirtErrorReason.InvalidArgument,
            "Cannot save domain 'web': 'ZSTD' is not a save image format; use one of raw, gzip, bzip2, xz, lzop, zstd.")));
    }

    [Test]
    public async Task A_rewritten_header_keeps_the_format_and_a_missing_compressor_fails_save_and_restore_with_a_typed_error()
    {
        var image = Path.Combine(_state, "web.save");
        await SaveImage.CreatePartialAsync(image, TestSupport.DomainXml("web"), wasRunning: true, SaveImageFormat.Gzip, CancellationToken.None);
        await SaveImage.CompleteAsync(image, CancellationToken.None);
        await using (var file = new FileStream(image, FileMode.Append))
        {
            await file.WriteAsync(new byte[] { 0x1f, 0x8b, 0x08, 0x00 });
        }
        var read = await SaveImage.ReadAsync(image, CancellationToken.None);
        await read.RewriteAsync(TestSupport.DomainXml("web", description: "longer"), wasRunning: false, CancellationToken.None);
        Assert.That((await SaveImage.ReadAsync(image, CancellationToken.None)).Format, Is.EqualTo(SaveImageFormat.Gzip));

        await using var driver = await QemuDomainDriver.OpenAsync(new QemuDriverOptions { StateDirectory = _state, SaveImageFormat = SaveImageFormat.Xz },
            new EventLog(), new ListLogger(), CancellationToken.None);
        await driver.DefineDomainAsync(TestSupport.DomainXml("web"), CancellationToken.None);
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", Directory.CreateDirectory(Path.Combine(_state, "empty-path")).FullName);
        try
        {
            var save = Assert.ThrowsAsync<VirtException>(() => driver.SaveDomainAsync(DomainRef.ByName("web"), Path.Combine(_state, "new.save"),
                SavedGuestState.AsSaved, SaveFileOptions.Default, CancellationToken.None));
            Assert.That((save!.Reason, save.Message), Is.EqualTo((VirtErrorReason.OperationUnsupported,
                "Cannot save domain 'web': the save image format 'xz' needs the program 'xz', which is not in virtd's PATH; install it (or use the raw format).")));
            var restore = Assert.ThrowsAsync<VirtException>(() => driver.RestoreDomainAsync(image, SavedGuestState.AsSaved, SaveFileOptions.Default, CancellationToken.None));
            Assert.That((restore!.Reason, restore.Message), Is.EqualTo((VirtErrorReason.OperationUnsupported,
                $"Cannot restore from '{image}': the save image format 'gzip' needs the program 'gzip', which is not in virtd's PATH; install it (or use the raw format).")));
            Assert.That(await driver.GetSaveImageXmlAsync(image, CancellationToken.None), Does.Contain("<description>longer</description>"),
                "save-image-dumpxml reads the header, not the stream");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
        Assert.That(Directory.GetFiles(_state), Is.EqualTo(new[] { image }), "nothing was written");
    }
}
