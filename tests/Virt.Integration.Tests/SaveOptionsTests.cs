using System.Diagnostics;
using System.Globalization;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// save and restore with --xml and --bypass-cache (virsh 9) through a real virtd, vsh and QEMU with the heartbeat
/// guest: the updated XML goes into the image or the restored guest and must describe the same machine, the image is
/// written past the page cache, and a file system without O_DIRECT gets a typed error before anything starts.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SaveOptionsTests
{
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    [Test]
    [CancelAfter(300_000)]
    public async Task Save_and_restore_take_an_updated_xml_of_the_same_machine_and_bypass_the_page_cache()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-opts-").FullName;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            var live = await VshRun.OkAsync(virtd, "dumpxml", "hb");

            // An XML that changes what the guest sees is refused at once; the guest keeps running, no file appears.
            var bigger = await WriteAsync(images, "bigger.xml", Changed(live, "<memory unit='KiB'>131072</memory>", "<memory unit='KiB'>262144</memory>"));
            var refusedImage = Path.Combine(images, "refused.save");
            var (code, _, errors) = await VshRun.RunAsync(virtd, "save", "hb", refusedImage, "--xml", bigger);
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to save domain 'hb' to {refusedImage}\nerror: Cannot save domain 'hb' with the XML given: the new XML changes "
                + "the guest's memory (/domain/memory), which the saved state depends on; only the host side may change: disk sources (type, source, backing store, "
                + "driver), interface sources (type, source, target device, link state), device aliases, graphics settings other than the type, title, description, "
                + "metadata and lifecycle actions.\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb"), Is.EqualTo("running\n\n"));
            Assert.That(Directory.GetFiles(images, "*.save"), Is.Empty);

            // save --xml --bypass-cache: the image holds the updated XML, and its stream never went through the page cache.
            var described = await WriteAsync(images, "described.xml", Describe(live, "saved with --xml"));
            var image = Path.Combine(images, "hb.save");
            Assert.That(await VshRun.OkAsync(virtd, "save", "hb", image, "--xml", described, "--bypass-cache"), Is.EqualTo($"\nDomain 'hb' saved to {image}\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "save-image-dumpxml", image), Does.Contain("<description>saved with --xml</description>"));
            var size = new FileInfo(image).Length;
            Assert.That(size, Is.GreaterThan(8L << 20), "the guest's RAM is in the image");
            Assert.That(await ResidentBytesAsync(image), Is.LessThan(1L << 20), "written with O_DIRECT: only the header went through the page cache");

            // restore --xml --bypass-cache: the guest runs with the restore's XML and continues its counter.
            var lastSaved = VshRun.Heartbeats(log)[^1];
            var wrong = await WriteAsync(images, "wrong.xml", Changed(live, uuid, "0b7c3d1e-1111-4222-8333-944455556666"));
            (code, _, errors) = await VshRun.RunAsync(virtd, "restore", image, "--xml", wrong);
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to restore domain from {image}\nerror: Cannot restore from '{image}' with the XML given: the new XML changes "
                + "the guest's UUID (/domain/uuid), which the saved state depends on; only the host side may change: disk sources (type, source, backing store, "
                + "driver), interface sources (type, source, target device, link state), device aliases, graphics settings other than the type, title, description, "
                + "metadata and lifecycle actions.\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb"), Is.EqualTo("shut off\n\n"), "a refused restore starts nothing");
            var restoredXml = await WriteAsync(images, "restored.xml", Describe(live, "restored with --xml"));
            Assert.That(await VshRun.OkAsync(virtd, "restore", image, "--xml", restoredXml, "--bypass-cache"), Is.EqualTo($"Domain restored from {image}\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb"), Does.Contain("<description>restored with --xml</description>"));
            await VshRun.WaitForBeatAsync(log, lastSaved, TimeSpan.FromSeconds(30));
            var resumed = VshRun.Heartbeats(log).SkipWhile(beat => beat != lastSaved).Skip(1).First();
            Assert.That(resumed, Is.InRange(lastSaved, lastSaved + 3), "the counter continues from the image");
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
            Directory.Delete(images, recursive: true);
        }
    }

    /// <summary>ramfs has no O_DIRECT (tmpfs has it since Linux 6.6): the save is refused before it pauses anything.</summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task Bypass_cache_on_a_file_system_without_O_DIRECT_is_refused_with_a_typed_error_and_the_guest_keeps_running()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var mount = Directory.CreateTempSubdirectory("vsave-ramfs-").FullName;
        await RunAsync("mount", "-t", "ramfs", "ramfs", mount);
        try
        {
            var image = Path.Combine(mount, "hb.save");
            var (code, _, errors) = await VshRun.RunAsync(virtd, "save", "hb", image, "--bypass-cache");
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to save domain 'hb' to {image}\nerror: Cannot save to '{image}' with --bypass-cache: the file system of "
                + $"'{mount}' does not support bypassing the cache (O_DIRECT); run it without --bypass-cache or use another file system.\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"));
            Assert.That(Directory.GetFileSystemEntries(mount), Is.Empty, "no image and no probe file left");
            // Without the option the same directory takes the save.
            Assert.That(await VshRun.OkAsync(virtd, "save", "hb", image), Is.EqualTo($"\nDomain 'hb' saved to {image}\n\n"));
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
            await RunAsync("umount", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    /// <summary>
    /// managedsave --bypass-cache writes the image with O_DIRECT and start --bypass-cache reads it back past the page
    /// cache (virsh 9's flags); where the managed save directory has no O_DIRECT (ramfs mounted over it) each is refused
    /// with the typed error before anything pauses or starts, the image kept, and works without the flag.
    /// </summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task Managedsave_and_start_bypass_the_page_cache_and_are_refused_where_O_DIRECT_is_missing()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        var log = VshRun.ConsoleLog(virtd, uuid);
        var saves = Path.Combine(virtd.StateDir, "qemu", "save");
        var image = Path.Combine(saves, uuid + ".save");
        var mounted = false;
        try
        {
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            Assert.That(await VshRun.OkAsync(virtd, "managedsave", "hb", "--bypass-cache"), Is.EqualTo("\nDomain 'hb' state saved by libvirt\n\n"));
            Assert.That(new FileInfo(image).Length, Is.GreaterThan(8L << 20), "the guest's RAM is in the image");
            Assert.That(await ResidentBytesAsync(image), Is.LessThan(1L << 20), "written with O_DIRECT: only the header went through the page cache");
            var lastSaved = VshRun.Heartbeats(log)[^1];
            Assert.That(await VshRun.OkAsync(virtd, "start", "hb", "--bypass-cache"), Is.EqualTo("Domain 'hb' started\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (restored)\n\n"));
            await VshRun.WaitForBeatAsync(log, lastSaved, TimeSpan.FromSeconds(30));
            var resumed = VshRun.Heartbeats(log).SkipWhile(beat => beat != lastSaved).Skip(1).First();
            Assert.That(resumed, Is.InRange(lastSaved, lastSaved + 3), "the counter continues from the image");
            Assert.That(File.Exists(image), Is.False, "start removes the image once the guest runs");

            await RunAsync("mount", "-t", "ramfs", "ramfs", saves);
            mounted = true;
            var (code, _, errors) = await VshRun.RunAsync(virtd, "managedsave", "hb", "--bypass-cache");
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to save domain 'hb' state\nerror: Cannot save domain 'hb' state to '{image}' with --bypass-cache: the file system "
                + $"of '{saves}' does not support bypassing the cache (O_DIRECT); run it without --bypass-cache or use another file system.\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (restored)\n\n"), "refused before the guest was paused");
            Assert.That(Directory.GetFileSystemEntries(saves), Is.Empty, "no image and no probe file left");

            await VshRun.OkAsync(virtd, "managedsave", "hb");
            (code, _, errors) = await VshRun.RunAsync(virtd, "start", "hb", "--bypass-cache");
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to start domain 'hb'\nerror: Cannot start domain 'hb' from its managed save image with --bypass-cache: the file "
                + $"system of '{saves}' does not support bypassing the cache (O_DIRECT); run it without --bypass-cache or use another file system.\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("shut off (saved)\n\n"), "nothing started");
            Assert.That(File.Exists(image), "the image is kept");
            Assert.That(await VshRun.OkAsync(virtd, "start", "hb"), Is.EqualTo("Domain 'hb' started\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (restored)\n\n"));
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
            if (mounted)
            {
                await RunAsync("umount", saves);
            }
        }
    }

    private static string Describe(string xml, string description) => Changed(xml, "<uuid>", $"<description>{description}</description>\n  <uuid>");

    /// <summary><paramref name="xml"/> with <paramref name="from"/> replaced, which must be in it (or the edit would test nothing).</summary>
    private static string Changed(string xml, string from, string to)
    {
        Assert.That(xml, Does.Contain(from));
        return xml.Replace(from, to, StringComparison.Ordinal);
    }

    private static async Task<string> WriteAsync(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    /// <summary>How much of <paramref name="file"/> is in the page cache (util-linux fincore).</summary>
    private static async Task<long> ResidentBytesAsync(string file) =>
        long.Parse((await RunAsync("fincore", "--bytes", "--noheadings", "--output", "RES", file)).Trim(), CultureInfo.InvariantCulture);

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}: {errors}");
        return output;
    }
}
