using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// save and restore through a real virtd, vsh and QEMU with the heartbeat guest: the restored guest continues its
/// counter, and files that are not complete save images get a typed error with no QEMU left running.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SaveTests
{
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    [Test]
    [CancelAfter(300_000)]
    public async Task Save_stops_the_guest_restore_continues_its_heartbeat_and_bad_images_get_typed_errors_with_nothing_left_running()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-").FullName;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);

            var image = Path.Combine(images, "hb.save");
            Assert.That(await VshRun.OkAsync(virtd, "save", "hb", image), Is.EqualTo($"\nDomain 'hb' saved to {image}\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("shut off (saved)\n\n"));
            Assert.That(Directory.GetFiles(images), Is.EqualTo(new[] { image }), "only the image, no temp file");
            var header = new byte[16];
            await using (var stream = File.OpenRead(image))
            {
                await stream.ReadExactlyAsync(header);
            }
            Assert.That(System.Text.Encoding.ASCII.GetString(header), Is.EqualTo("LibvirtQemudSave"));

            var beforeSave = VshRun.Heartbeats(log);
            var lastSaved = beforeSave[^1];
            Assert.That(await VshRun.OkAsync(virtd, "restore", image), Is.EqualTo($"Domain restored from {image}\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (restored)\n\n"));
            await VshRun.WaitForBeatAsync(log, lastSaved, TimeSpan.FromSeconds(30));
            var afterRestore = VshRun.Heartbeats(log);
            var resumed = afterRestore.Count > beforeSave.Count ? afterRestore.Skip(beforeSave.Count).ToList() : [.. afterRestore];
            Assert.That(resumed[0], Is.InRange(lastSaved, lastSaved + 3), $"the first heartbeat after the restore continues from {lastSaved}, it does not start again at 0");
            await VshRun.OkAsync(virtd, "destroy", "hb");

            var truncated = Path.Combine(images, "truncated.save");
            var bytes = await File.ReadAllBytesAsync(image);
            await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
            var (code, _, errors) = await VshRun.RunAsync(virtd, "restore", truncated);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.StartWith($"error: Failed to restore domain from {truncated}\n").And.Contain($"Cannot restore from '{truncated}'"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb"), Is.EqualTo("shut off\n\n"));
            AssertNothingRuns(virtd);

            var foreign = Path.Combine(images, "foreign.save");
            await File.WriteAllTextAsync(foreign, string.Concat(Enumerable.Repeat("not a save image at all. ", 40)));
            (code, _, errors) = await VshRun.RunAsync(virtd, "restore", foreign);
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to restore domain from {foreign}\nerror: Cannot restore from '{foreign}': it is not a save image (its first 16 bytes are not the magic 'LibvirtQemudSave').\n")));

            var headerOnly = Path.Combine(images, "header-only.save");
            await File.WriteAllBytesAsync(headerOnly, bytes[..60]);
            (code, _, errors) = await VshRun.RunAsync(virtd, "restore", headerOnly);
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to restore domain from {headerOnly}\nerror: Cannot restore from '{headerOnly}': it is 60 bytes long, shorter than a save image header (92 bytes).\n")));
            AssertNothingRuns(virtd);
            Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("hb\n\n"));
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
            Directory.Delete(images, recursive: true);
        }
    }

    private static void AssertNothingRuns(VirtdProcess virtd)
    {
        var run = Path.Combine(virtd.RunDir, "qemu");
        var left = Directory.Exists(run) ? Directory.GetFiles(run, "*.state") : [];
        Assert.That(left, Is.Empty, "no guest (QEMU) is left running");
    }
}
