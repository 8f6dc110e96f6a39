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

            // save-image-dumpxml shows the XML in the header; save-image-define replaces it with a compatible one
            // (a description, and --paused recorded) and refuses another UUID, leaving the image as it was.
            var xml = await VshRun.OkAsync(virtd, "save-image-dumpxml", image);
            Assert.That(xml, Does.Contain("<name>hb</name>").And.Contain($"<uuid>{uuid}</uuid>"));
            var described = Path.Combine(images, "described.xml");
            await File.WriteAllTextAsync(described, xml.Replace("<uuid>", "<description>edited in the image</description>\n  <uuid>", StringComparison.Ordinal));
            Assert.That(await VshRun.OkAsync(virtd, "save-image-define", image, described, "--running"), Is.EqualTo($"State file {image} updated.\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "save-image-dumpxml", image), Does.Contain("<description>edited in the image</description>"));
            var stranger = Path.Combine(images, "stranger.xml");
            await File.WriteAllTextAsync(stranger, xml.Replace(uuid, "0b7c3d1e-1111-4222-8333-944455556666", StringComparison.Ordinal));
            var edited = await File.ReadAllBytesAsync(image);
            var (refused, _, why) = await VshRun.RunAsync(virtd, "save-image-define", image, stranger);
            Assert.That((refused, why), Is.EqualTo((1, $"error: Failed to update {image}\nerror: Cannot update '{image}': the new XML changes the guest's UUID (/domain/uuid), which the saved state depends on; only the host side may change: disk sources (type, source, backing store, driver), interface sources (type, source, target device, link state), device aliases, graphics settings other than the type, title, description, metadata and lifecycle actions.\n")));
            Assert.That(await File.ReadAllBytesAsync(image), Is.EqualTo(edited), "a refused define leaves the image as it was");
            Assert.That(Directory.GetFiles(images).Where(f => Path.GetFileName(f).StartsWith('.')), Is.Empty, "no temp file left by the rewrite");

            var beforeSave = VshRun.Heartbeats(log);
            var lastSaved = beforeSave[^1];
            // Another process's exclusive flock on the image (a backup tool's) refuses nothing: libvirt takes no lock
            // either, and virtd's implicit shared one (.NET's, for FileShare.Read) made this restore fail.
            await using (await ExclusiveFlock.AcquireAsync(image, CancellationToken.None))
            {
                Assert.That(await VshRun.OkAsync(virtd, "restore", image), Is.EqualTo($"Domain restored from {image}\n\n"));
            }
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (restored)\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb"), Does.Contain("<description>edited in the image</description>"), "the guest runs with the image's XML");
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

    /// <summary>
    /// QEMU's writes into the image hold after the stream's first ones, as a stalled disk would stall them
    /// (<see cref="QemuWriteHold"/>), so QEMU is still streaming when domjobabort arrives; they are let go a second
    /// later, as a disk that recovers.
    /// </summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task A_save_aborted_while_QEMU_streams_ends_cancelled_with_the_guest_running_and_no_file_left()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-abort-").FullName;
        QemuWriteHold? hold = null;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            var image = Path.Combine(images, "hb.save");

            hold = await QemuWriteHold.AttachAsync(virtd, uuid, images);
            var saving = VshRun.RunAsync(virtd, "save", "hb", image);
            await hold.WaitHeldAsync(TimeSpan.FromSeconds(60));
            var info = await VshRun.OkAsync(virtd, "domjobinfo", "hb");
            Assert.That(info, Does.Match(@"Job type: +Unbounded *\n").And.Match(@"Operation: +Save *\n"), "the save job is running while QEMU's writes are held");
            var temporary = Directory.GetFiles(images);
            Assert.That(temporary, Has.Length.EqualTo(1), "the temporary file (no end marker: QEMU writes the file itself), and nothing under the target name");
            Assert.That(new FileInfo(temporary[0]).Length, Is.GreaterThan(4096), "the header and the start of QEMU's stream");

            Assert.That(await VshRun.OkAsync(virtd, "domjobabort", "hb"), Is.EqualTo("\n"));
            await Task.Delay(1000);
            hold.Release();
            var (code, _, errors) = await saving;

            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.StartWith($"error: Failed to save domain 'hb' to {image}\nerror: operation aborted: domain save job: canceled by client\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domjobinfo", "hb", "--completed"), Does.Match(@"Job type: +Cancelled *\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (save canceled)\n\n"));
            Assert.That(Directory.GetFiles(images), Is.Empty, "no temporary file and no file under the target name");
            var last = VshRun.Heartbeats(log)[^1];
            Assert.That(await VshRun.WaitForBeatAsync(log, last, TimeSpan.FromSeconds(30)), Is.GreaterThan(last), "the guest keeps running");
            await Task.Delay(2000);
            Assert.That(Directory.GetFiles(images), Is.Empty, "nothing appears later either (the stream's writer is gone)");
        }
        finally
        {
            hold?.Dispose();
            await VshRun.RunAsync(virtd, "destroy", "hb");
            Directory.Delete(images, recursive: true);
        }
    }

    /// <summary>
    /// virsh's SIGINT handling: Ctrl-C (SIGINT) to `vsh save --verbose` while QEMU's writes into the image are held
    /// aborts the job rather than ending vsh, which then reports the abort as virsh does.
    /// </summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task Ctrl_C_on_vsh_save_verbose_aborts_the_save_job_and_vsh_reports_it()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-int-").FullName;
        QemuWriteHold? hold = null;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            var image = Path.Combine(images, "hb.save");
            hold = await QemuWriteHold.AttachAsync(virtd, uuid, images);
            var (process, output, errors) = VshRun.Start(virtd, "save", "--verbose", "hb", image);
            using var vsh = process;
            await hold.WaitHeldAsync(TimeSpan.FromSeconds(60));

            await VshRun.InterruptHeldSaveAsync(vsh, hold);

            Assert.That(vsh.ExitCode, Is.EqualTo(1));
            Assert.That(await errors, Does.EndWith($"error: Failed to save domain 'hb' to {image}\nerror: operation aborted: domain save job: canceled by client\n"));
            await output;
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (save canceled)\n\n"));
            Assert.That(Directory.GetFiles(images), Is.Empty, "no file left");
        }
        finally
        {
            hold?.Dispose();
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
