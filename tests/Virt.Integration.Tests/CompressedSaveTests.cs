using System.Buffers.Binary;
using System.Diagnostics;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// virtd --save-image-format (libvirt's qemu.conf save_image_format) with the heartbeat guest: the image records its
/// format in the header as libvirt's does and holds a real zstd stream of QEMU's state, save-image-dumpxml reads it,
/// restore and a start from a managed save go through zstd and continue the counter, and an aborted save leaves no
/// file (Save/README.md, "Compressed images"); save and managedsave --image-format choose the format per call.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CompressedSaveTests
{
    private const uint Raw = 0;
    private const uint Gzip = 1;
    private const uint Zstd = 5;
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    [Test]
    [CancelAfter(400_000)]
    public async Task A_zstd_save_records_its_format_restores_and_starts_through_zstd_and_an_aborted_one_leaves_no_file(CancellationToken ct)
    {
        using var hold = SaveWriterHold.Create("zstd");
        await using var virtd = await VirtdProcess.StartWithEnvironmentAsync(hold.Environment, "--save-image-format", "zstd");
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-zstd-").FullName;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);

            var image = Path.Combine(images, "hb.save");
            Assert.That(await VshRun.OkAsync(virtd, "save", "hb", image), Is.EqualTo($"\nDomain 'hb' saved to {image}\n\n"));
            var (format, streamOffset) = await HeaderAsync(image);
            var (streamMagic, stateBytes) = await DecompressAsync("zstd", image, streamOffset, ct);
            Assert.Multiple(() =>
            {
                Assert.That(Directory.GetFiles(images), Is.EqualTo(new[] { image }), "only the image, no temp file");
                Assert.That(format, Is.EqualTo(Zstd), "libvirt's QEMU_SAVE_FORMAT_ZSTD in the header's format word");
                Assert.That(streamMagic, Is.EqualTo("QEVM"), "zstd -dc gives back QEMU's migration stream");
                Assert.That(new FileInfo(image).Length - streamOffset, Is.LessThan(stateBytes), "the stored state is smaller than QEMU's stream");
            });
            Assert.That(await VshRun.OkAsync(virtd, "save-image-dumpxml", image), Does.Contain("<name>hb</name>").And.Contain($"<uuid>{uuid}</uuid>"));

            var lastSaved = VshRun.Heartbeats(log)[^1];
            var before = VshRun.Heartbeats(log).Count;
            Assert.That(await VshRun.OkAsync(virtd, "restore", image), Is.EqualTo($"Domain restored from {image}\n\n"));
            await AssertContinuesAsync(log, before, lastSaved);

            // managedsave uses the same format; start decompresses it.
            Assert.That(await VshRun.OkAsync(virtd, "managedsave", "hb"), Is.EqualTo("\nDomain 'hb' state saved by libvirt\n\n"));
            Assert.That((await HeaderAsync(Path.Combine(virtd.StateDir, "qemu", "save", uuid + ".save"))).Format, Is.EqualTo(Zstd));
            lastSaved = VshRun.Heartbeats(log)[^1];
            before = VshRun.Heartbeats(log).Count;
            Assert.That(await VshRun.OkAsync(virtd, "start", "hb"), Is.EqualTo("Domain 'hb' started\n\n"));
            await AssertContinuesAsync(log, before, lastSaved);

            // An abort while zstd is stalled mid-stream: the guest runs on, and no file is left.
            var aborted = Path.Combine(images, "aborted.save");
            File.Delete(image);
            hold.Arm();
            var saving = VshRun.RunAsync(virtd, "save", "hb", aborted);
            await hold.WaitHeldAsync(TimeSpan.FromSeconds(60));
            Assert.That(await VshRun.OkAsync(virtd, "domjobabort", "hb"), Is.EqualTo("\n"));
            await Task.Delay(1000, ct);
            hold.Release();
            var (code, _, errors) = await saving;
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to save domain 'hb' to {aborted}\nerror: operation aborted: domain save job: canceled by client\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (save canceled)\n\n"));
            await Task.Delay(2000, ct);
            Assert.That(Directory.GetFiles(images), Is.Empty, "no temporary file and nothing under the target name");
        }
        finally
        {
            hold.Release();
            await VshRun.RunAsync(virtd, "destroy", "hb");
            Directory.Delete(images, recursive: true);
        }
    }

    /// <summary>
    /// --bypass-cache with compression runs `zstd -c | dd oflag=direct ...` under QEMU's /bin/sh (dash: no pipefail, a
    /// pipe's status is dd's). A zstd that fails part-way (it reads QEMU's whole stream, so QEMU reports completed,
    /// but writes only its first 256 KiB and exits 1) fails the save with a typed error: the guest runs on and no file
    /// is left, neither under the target name nor the temp one (nor the marker, which lives in the guest's run
    /// directory).
    /// </summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task A_compressor_failing_part_way_behind_bypass_cache_fails_the_save_and_leaves_no_file(CancellationToken ct)
    {
        var programs = Directory.CreateTempSubdirectory("vzstd-fail-").FullName;
        var fake = Path.Combine(programs, "zstd");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\ndd bs=64K count=4 iflag=fullblock status=none\ncat > /dev/null\nexit 1\n", ct);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = new Dictionary<string, string> { ["PATH"] = programs + ":" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") };
        await using var virtd = await VirtdProcess.StartWithEnvironmentAsync(path, "--save-image-format", "zstd");
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-zfail-").FullName;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            var image = Path.Combine(images, "hb.save");

            var (code, _, errors) = await VshRun.RunAsync(virtd, "save", "--bypass-cache", "hb", image);

            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.StartWith($"error: Failed to save domain 'hb' to {image}\n").And.Contain("the program writing the image failed"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (save canceled)\n\n"));
            Assert.That(Directory.GetFiles(images), Is.Empty, "no image, no temp file, no marker");
            var last = VshRun.Heartbeats(log)[^1];
            Assert.That(await VshRun.WaitForBeatAsync(log, last, TimeSpan.FromSeconds(30)), Is.GreaterThan(last), "the guest keeps running");
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
            Directory.Delete(images, recursive: true);
            Directory.Delete(programs, recursive: true);
        }
    }

    /// <summary>
    /// libvirt 11.2's save/managedsave --image-format on a virtd whose own format is raw: an unknown name is refused
    /// before the guest pauses (typed error, no file), gzip and zstd images are written, restored and started from,
    /// and the next save without the option is raw again.
    /// </summary>
    [Test]
    [CancelAfter(400_000)]
    public async Task Save_and_managedsave_image_format_choose_the_format_per_call_and_an_unknown_one_is_refused(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var images = Directory.CreateTempSubdirectory("vsave-format-").FullName;
        try
        {
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            var image = Path.Combine(images, "hb.save");

            var (code, _, errors) = await VshRun.RunAsync(virtd, "save", "hb", image, "--image-format", "lz4");
            Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to save domain 'hb' to {image}\n"
                + "error: Cannot save domain 'hb': 'lz4' is not a save image format; use one of raw, gzip, bzip2, xz, lzop, zstd.\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"));
            Assert.That(Directory.GetFiles(images), Is.Empty);

            Assert.That(await VshRun.OkAsync(virtd, "save", "hb", image, "--image-format", "gzip"), Is.EqualTo($"\nDomain 'hb' saved to {image}\n\n"));
            var (format, streamOffset) = await HeaderAsync(image);
            Assert.That(format, Is.EqualTo(Gzip), "libvirt's QEMU_SAVE_FORMAT_GZIP in the header's format word");
            Assert.That((await DecompressAsync("gzip", image, streamOffset, ct)).Magic, Is.EqualTo("QEVM"), "gzip -dc gives back QEMU's migration stream");
            var lastSaved = VshRun.Heartbeats(log)[^1];
            var before = VshRun.Heartbeats(log).Count;
            Assert.That(await VshRun.OkAsync(virtd, "restore", image), Is.EqualTo($"Domain restored from {image}\n\n"));
            await AssertContinuesAsync(log, before, lastSaved);

            Assert.That(await VshRun.OkAsync(virtd, "managedsave", "hb", "--image-format", "zstd"), Is.EqualTo("\nDomain 'hb' state saved by libvirt\n\n"));
            Assert.That((await HeaderAsync(Path.Combine(virtd.StateDir, "qemu", "save", uuid + ".save"))).Format, Is.EqualTo(Zstd));
            lastSaved = VshRun.Heartbeats(log)[^1];
            before = VshRun.Heartbeats(log).Count;
            Assert.That(await VshRun.OkAsync(virtd, "start", "hb"), Is.EqualTo("Domain 'hb' started\n\n"));
            await AssertContinuesAsync(log, before, lastSaved);

            var plain = Path.Combine(images, "plain.save");
            await VshRun.OkAsync(virtd, "save", "hb", plain, "--running");
            Assert.That((await HeaderAsync(plain)).Format, Is.EqualTo(Raw), "without --image-format, virtd's own format");
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
            Directory.Delete(images, recursive: true);
        }
    }

    /// <summary>The header's format word and where the stream starts (libvirt's layout: 92 bytes, then the XML area).</summary>
    private static async Task<(uint Format, long StreamOffset)> HeaderAsync(string image)
    {
        var header = new byte[92];
        await using (var file = File.OpenRead(image))
        {
            await file.ReadExactlyAsync(header);
        }
        Assert.That(System.Text.Encoding.ASCII.GetString(header, 0, 16), Is.EqualTo("LibvirtQemudSave"));
        return (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(28)), 92 + BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20)));
    }

    /// <summary>The stored stream through the real <paramref name="program"/> -dc: its first four bytes and its length.</summary>
    private static async Task<(string Magic, long Length)> DecompressAsync(string program, string image, long offset, CancellationToken ct)
    {
        using var zstd = Process.Start(new ProcessStartInfo(program, ["-dc"]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        var feed = Task.Run(async () =>
        {
            await using var file = File.OpenRead(image);
            file.Position = offset;
            await file.CopyToAsync(zstd.StandardInput.BaseStream, ct);
            zstd.StandardInput.Close();
        }, ct);
        var buffer = new byte[1 << 16];
        var first = new byte[4];
        long length = 0;
        int read;
        while ((read = await zstd.StandardOutput.BaseStream.ReadAsync(buffer, ct)) > 0)
        {
            buffer.AsSpan(0, (int)Math.Min(read, Math.Max(0, 4 - length))).CopyTo(first.AsSpan((int)Math.Min(length, 4)));
            length += read;
        }
        await feed;
        await zstd.WaitForExitAsync(ct);
        Assert.That(zstd.ExitCode, Is.Zero, $"{program} -dc reads the stored stream");
        return (System.Text.Encoding.ASCII.GetString(first), length);
    }

    private static async Task AssertContinuesAsync(string log, int before, int lastSaved)
    {
        await VshRun.WaitForBeatAsync(log, lastSaved, TimeSpan.FromSeconds(30));
        var after = VshRun.Heartbeats(log);
        var resumed = after.Count > before ? after.Skip(before).ToList() : [.. after];
        Assert.That(resumed[0], Is.InRange(lastSaved, lastSaved + 3), $"the first heartbeat after the restore continues from {lastSaved}, it does not start again at 0");
    }
}
