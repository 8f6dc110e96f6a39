namespace Virt.Driver.Storage.Tests;

/// <summary>dir pools and their volumes through vsh and a real virtd, checked against qemu-img and the files themselves.</summary>
public sealed class DirPoolTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    [CancelAfter(300_000)]
    public async Task Raw_qcow2_and_vmdk_volumes_are_what_qemu_img_info_reports(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var xml = Path.Combine(host.Virtd.StateDir, "tuned.xml");
        await File.WriteAllTextAsync(xml, """
            <volume>
              <name>tuned.qcow2</name>
              <capacity unit='MiB'>256</capacity>
              <target>
                <format type='qcow2'/>
                <compat>1.1</compat>
                <clusterSize unit='KiB'>128</clusterSize>
                <features><lazy_refcounts/></features>
              </target>
            </volume>
            """, ct);

        var sparse = await host.VshAsync("vol-create-as", "default", "sparse.img", "64M");
        var full = await host.VshAsync("vol-create-as", "default", "full.img", "16M", "--allocation", "16M");
        var qcow2 = await host.VshAsync("vol-create", "default", xml, "--prealloc-metadata");
        var vmdk = await host.VshAsync("vol-create-as", "default", "disk.vmdk", "32M", "--format", "vmdk");
        var list = await host.JsonAsync("vol-list", "default");

        Assert.That(sparse.ExitCode, Is.Zero, sparse.ToString());
        Assert.That(sparse.Stdout, Is.EqualTo("Vol sparse.img created\n\n"));
        Assert.That(full.ExitCode, Is.Zero, full.ToString());
        Assert.That(qcow2.Stdout, Is.EqualTo($"Vol tuned.qcow2 created from {xml}\n\n"), qcow2.ToString());
        Assert.That(vmdk.ExitCode, Is.Zero, vmdk.ToString());

        var volumes = list.Json.GetProperty("volumes").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.That(volumes.Keys, Is.EquivalentTo(new[] { "sparse.img", "full.img", "tuned.qcow2", "disk.vmdk" }));

        var sparseInfo = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "sparse.img"), "raw");
        Assert.That(sparseInfo.GetProperty("virtual-size").GetInt64(), Is.EqualTo(64 * MiB));
        Assert.That(volumes["sparse.img"].GetProperty("capacity_bytes").GetInt64(), Is.EqualTo(64 * MiB));
        Assert.That(volumes["sparse.img"].GetProperty("allocation_bytes").GetInt64(), Is.LessThan(MiB), "sparse: nothing allocated");

        var fullInfo = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "full.img"), "raw");
        Assert.That(fullInfo.GetProperty("actual-size").GetInt64(), Is.GreaterThanOrEqualTo(16 * MiB), "preallocated");
        Assert.That(volumes["full.img"].GetProperty("allocation_bytes").GetInt64(), Is.EqualTo(fullInfo.GetProperty("actual-size").GetInt64()));

        var q = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "tuned.qcow2"), "qcow2");
        Assert.That(q.GetProperty("format").GetString(), Is.EqualTo("qcow2"));
        Assert.That(q.GetProperty("virtual-size").GetInt64(), Is.EqualTo(256 * MiB));
        Assert.That(q.GetProperty("cluster-size").GetInt64(), Is.EqualTo(128 * 1024));
        var data = q.GetProperty("format-specific").GetProperty("data");
        Assert.That(data.GetProperty("compat").GetString(), Is.EqualTo("1.1"));
        Assert.That(data.GetProperty("lazy-refcounts").GetBoolean(), Is.True);
        Assert.That(q.GetProperty("actual-size").GetInt64(), Is.GreaterThan(256 * 1024), "metadata preallocated: L2 tables and refcounts on disk");
        Assert.That(volumes["tuned.qcow2"].GetProperty("format").GetString(), Is.EqualTo("qcow2"));

        var v = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "disk.vmdk"), "vmdk");
        Assert.That(v.GetProperty("virtual-size").GetInt64(), Is.EqualTo(32 * MiB));
        Assert.That(volumes["disk.vmdk"].GetProperty("format").GetString(), Is.EqualTo("vmdk"));

        var info = await host.VshAsync("vol-info", "tuned.qcow2", "--pool", "default");
        Assert.That(info.Stdout, Does.StartWith("Name:           tuned.qcow2\nType:           file\nCapacity:       256.00 MiB\nAllocation:     "));
        var dump = await host.VshAsync("vol-dumpxml", "--pool", "default", "tuned.qcow2");
        Assert.That(dump.Stdout, Does.Contain("<clusterSize unit='B'>131072</clusterSize>").And.Contain("<lazy_refcounts/>").And.Contain("<format type='qcow2'/>"));
        var path = await host.VshAsync("vol-path", "--pool", "default", "disk.vmdk");
        Assert.That(path.Stdout, Is.EqualTo(Path.Combine(host.Images, "disk.vmdk") + "\n\n"));
        var key = await host.VshAsync("vol-key", Path.Combine(host.Images, "disk.vmdk"));
        Assert.That(key.Stdout, Is.EqualTo(Path.Combine(host.Images, "disk.vmdk") + "\n\n"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_overlay_shows_its_backing_chain_and_keeps_its_backing_volume_from_deletion(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        Assert.That((await host.VshAsync("vol-create-as", "default", "base.img", "32M")).ExitCode, Is.Zero);
        var overlay = await host.VshAsync("vol-create-as", "default", "top.qcow2", "32M", "--format", "qcow2", "--backing-vol", "base.img", "--backing-vol-format", "raw");
        Assert.That(overlay.ExitCode, Is.Zero, overlay.ToString());

        var dump = await host.VshAsync("vol-dumpxml", "top.qcow2", "--pool", "default");
        var info = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "top.qcow2"), "qcow2");
        var deleteBase = await host.JsonAsync("vol-delete", "base.img", "--pool", "default");

        Assert.That(dump.Stdout, Does.Contain($"<backingStore>\n    <path>{Path.Combine(host.Images, "base.img")}</path>\n    <format type='raw'/>"));
        Assert.That(info.GetProperty("backing-filename").GetString(), Is.EqualTo(Path.Combine(host.Images, "base.img")));
        Assert.That(info.GetProperty("backing-filename-format").GetString(), Is.EqualTo("raw"));
        Assert.That(deleteBase.Reason, Is.EqualTo("STORAGE_VOLUME_IN_USE"), deleteBase.ToString());
        Assert.That(File.Exists(Path.Combine(host.Images, "base.img")), Is.True);
        Assert.That((await host.VshAsync("vol-delete", "top.qcow2", "--pool", "default")).ExitCode, Is.Zero);
        Assert.That((await host.VshAsync("vol-delete", "base.img", "--pool", "default")).Stdout, Is.EqualTo("Vol base.img deleted\n\n"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Clone_resize_and_wipe_change_exactly_what_they_say(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var content = Path.Combine(host.Virtd.StateDir, "content.bin");
        var bytes = new byte[4 * MiB];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(content, bytes, ct);
        Assert.That((await host.VshAsync("vol-create-as", "default", "src.img", "4M")).ExitCode, Is.Zero);
        var upload = await host.VshAsync("vol-upload", "src.img", content, "--pool", "default");
        Assert.That(upload.ExitCode, Is.Zero, upload.ToString());

        var clone = await host.VshAsync("vol-clone", "src.img", "copy.img", "--pool", "default");
        var convert = await host.JsonAsync("vol-create-from", "default", await WriteAsync(host, "<volume><name>copy.qcow2</name><capacity unit='M'>8</capacity><target><format type='qcow2'/></target></volume>"), "src.img", "--inputpool", "default");
        Assert.That(clone.Stdout, Is.EqualTo("Vol copy.img cloned from src.img\n\n"), clone.ToString());
        Assert.That(convert.ExitCode, Is.Zero, convert.ToString());
        Assert.That(await StorageHost.Sha256Async(Path.Combine(host.Images, "copy.img")), Is.EqualTo(await StorageHost.Sha256Async(content)));
        var converted = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "copy.qcow2"), "qcow2");
        Assert.That(converted.GetProperty("virtual-size").GetInt64(), Is.EqualTo(8 * MiB));
        var compare = await StorageHost.RunAsync("qemu-img", ["compare", "-f", "raw", "-F", "qcow2", Path.Combine(host.Images, "src.img"), Path.Combine(host.Images, "copy.qcow2")]);
        Assert.That(compare.ExitCode, Is.Zero, "the converted copy holds the same data: " + compare);

        var grow = await host.VshAsync("vol-resize", "copy.img", "8M", "--pool", "default");
        var shrinkRefused = await host.JsonAsync("vol-resize", "copy.img", "2M", "--pool", "default");
        Assert.That(grow.Stdout, Is.EqualTo("Size of volume 'copy.img' successfully changed to 8M\n\n"));
        Assert.That(shrinkRefused.Reason, Is.EqualTo("INVALID_ARGUMENT"));
        Assert.That(new FileInfo(Path.Combine(host.Images, "copy.img")).Length, Is.EqualTo(8 * MiB), "refused shrink changed nothing");
        var shrink = await host.VshAsync("vol-resize", "copy.img", "2M", "--pool", "default", "--shrink");
        Assert.That(shrink.ExitCode, Is.Zero, shrink.ToString());
        Assert.That(new FileInfo(Path.Combine(host.Images, "copy.img")).Length, Is.EqualTo(2 * MiB));

        var wipe = await host.VshAsync("vol-wipe", "src.img", "--pool", "default");
        Assert.That(wipe.Stdout, Is.EqualTo("Vol src.img wiped\n\n"), wipe.ToString());
        var wiped = await File.ReadAllBytesAsync(Path.Combine(host.Images, "src.img"), ct);
        Assert.That(wiped.Length, Is.EqualTo(4 * MiB));
        Assert.That(wiped.All(b => b == 0), Is.True, "zeroed");
        var wipeQcow2 = await host.VshAsync("vol-wipe", "copy.qcow2", "--pool", "default");
        Assert.That(wipeQcow2.ExitCode, Is.Zero, wipeQcow2.ToString());
        var empty = await StorageHost.RunAsync("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", Path.Combine(host.Images, "copy.qcow2"), Path.Combine(host.Images, "src.img")]);
        Assert.That(empty.ExitCode, Is.Zero, "a wiped qcow2 is still qcow2, now reading as zeroes: " + empty);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Upload_and_download_round_trip_a_64_MiB_file_byte_for_byte(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var source = Path.Combine(host.Virtd.StateDir, "up.bin");
        var back = Path.Combine(host.Virtd.StateDir, "down.bin");
        await using (var file = File.Create(source))
        {
            var chunk = new byte[MiB];
            var random = new Random(42);
            for (var i = 0; i < 64; i++)
            {
                random.NextBytes(chunk);
                await file.WriteAsync(chunk, ct);
            }
        }
        Assert.That((await host.VshAsync("vol-create-as", "default", "data.img", "64M")).ExitCode, Is.Zero);

        var upload = await host.VshAsync("vol-upload", "--pool", "default", "data.img", source);
        var download = await host.VshAsync("vol-download", "--pool", "default", "data.img", back);
        var part = await host.VshAsync("vol-download", "--pool", "default", "data.img", back + ".part", "--offset", "1M", "--length", "3M");

        Assert.That(upload.ExitCode, Is.Zero, upload.ToString());
        Assert.That(download.ExitCode, Is.Zero, download.ToString());
        var expected = await StorageHost.Sha256Async(source);
        Assert.That(await StorageHost.Sha256Async(Path.Combine(host.Images, "data.img")), Is.EqualTo(expected));
        Assert.That(await StorageHost.Sha256Async(back), Is.EqualTo(expected));
        Assert.That(part.ExitCode, Is.Zero, part.ToString());
        var slice = (await File.ReadAllBytesAsync(source, ct)).AsSpan((int)MiB, 3 * (int)MiB).ToArray();
        Assert.That(await File.ReadAllBytesAsync(back + ".part", ct), Is.EqualTo(slice));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Bad_input_gets_a_typed_error_and_changes_nothing(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        Assert.That((await host.VshAsync("vol-create-as", "default", "keep.img", "1M")).ExitCode, Is.Zero);
        var before = host.Virtd.StateFingerprint();

        var dotdot = await host.JsonAsync("vol-create-as", "default", "../escape.img", "1M");
        var slash = await host.JsonAsync("vol-create-as", "default", "a/b.img", "1M");
        var hidden = await host.JsonAsync("vol-create-as", "default", ".hidden", "1M");
        var format = await host.JsonAsync("vol-create-as", "default", "x.img", "1M", "--format", "bogus");
        var notCreatable = await host.JsonAsync("vol-create-as", "default", "x.iso", "1M", "--format", "iso");
        var shrink = await host.JsonAsync("vol-resize", "keep.img", "512K", "--pool", "default");
        var huge = await host.JsonAsync("vol-create-as", "default", "huge.img", "1E");
        var exists = await host.JsonAsync("vol-create-as", "default", "keep.img", "1M");
        var xmlEscape = await host.JsonAsync("vol-create", "default", await WriteAsync(host, "<volume><name>../../etc/x</name><capacity>1</capacity></volume>"));

        Assert.Multiple(() =>
        {
            Assert.That(dotdot.Reason, Is.EqualTo("STORAGE_PATH_NOT_CONFINED"), dotdot.ToString());
            Assert.That(slash.Reason, Is.EqualTo("STORAGE_PATH_NOT_CONFINED"), slash.ToString());
            Assert.That(hidden.Reason, Is.EqualTo("STORAGE_PATH_NOT_CONFINED"), hidden.ToString());
            Assert.That(format.Reason, Is.EqualTo("INVALID_ARGUMENT"), format.ToString());
            Assert.That(format.Stdout, Does.Contain("qcow2"), "names the allowed formats");
            Assert.That(notCreatable.Reason, Is.EqualTo("INVALID_ARGUMENT"), notCreatable.ToString());
            Assert.That(shrink.Reason, Is.EqualTo("INVALID_ARGUMENT"), shrink.ToString());
            Assert.That(shrink.Stdout, Does.Contain("shrink"));
            Assert.That(huge.Reason, Is.EqualTo("STORAGE_NO_SPACE"), huge.ToString());
            Assert.That(exists.Reason, Is.EqualTo("STORAGE_VOLUME_EXISTS"), exists.ToString());
            Assert.That(xmlEscape.Reason, Is.EqualTo("INVALID_XML"), xmlEscape.ToString());
        });
        // The XML files written above are in the state directory too; everything else is as it was.
        Assert.That(Strip(host.Virtd.StateFingerprint()), Is.EqualTo(Strip(before)));
        Assert.That(Directory.GetFiles(host.Images).Select(Path.GetFileName), Is.EqualTo(new[] { "keep.img" }));
        Assert.That(File.Exists(Path.Combine(host.Virtd.StateDir, "escape.img")), Is.False);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_NUL_in_a_volume_name_is_refused_through_the_api(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        await using var client = await Virt.Client.VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        var error = Assert.ThrowsAsync<Virt.Client.VirtClientException>(() => client.StorageCallAsync(s => s.CreateVolumeAsAsync(
            new Virt.Protocol.V1.CreateVolumeAsRequest { Pool = new Virt.Protocol.V1.PoolRef { Name = "default" }, Name = "a\0b", CapacityBytes = 1024 }, cancellationToken: ct)));
        Assert.That(error!.Reason, Is.EqualTo(Virt.Protocol.V1.ErrorReason.InvalidArgument));
        Assert.That(Directory.GetFiles(host.Images), Is.Empty);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Pools_are_defined_built_started_refreshed_and_removed_and_survive_a_restart(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var target = Path.Combine(host.Virtd.StateDir, "extra");
        var file = await WriteAsync(host, $"<pool type='dir'><name>extra</name><target><path>{target}</path></target></pool>");

        var define = await host.VshAsync("pool-define", file);
        var startUnbuilt = await host.JsonAsync("pool-start", "extra");
        var build = await host.VshAsync("pool-build", "extra");
        var start = await host.VshAsync("pool-start", "extra");
        var autostart = await host.VshAsync("pool-autostart", "extra");
        Assert.That(define.Stdout, Is.EqualTo($"Pool extra defined from {file}\n\n"), define.ToString());
        Assert.That(startUnbuilt.Reason, Is.EqualTo("STORAGE_BACKEND_FAILED"), startUnbuilt.ToString());
        Assert.That(build.Stdout, Is.EqualTo("Pool extra built\n\n"));
        Assert.That(start.Stdout, Is.EqualTo("Pool extra started\n\n"));
        Assert.That(autostart.Stdout, Is.EqualTo("Pool extra marked as autostarted\n\n"));

        // A file put there by someone else appears on refresh.
        await File.WriteAllBytesAsync(Path.Combine(target, "outside.img"), new byte[8192], ct);
        Assert.That((await host.VshAsync("pool-refresh", "extra")).Stdout, Is.EqualTo("Pool extra refreshed\n\n"));
        var volumes = await host.VshAsync("vol-list", "extra");
        Assert.That(volumes.Stdout, Does.Contain($" outside.img   {Path.Combine(target, "outside.img")}"));

        var details = await host.VshAsync("pool-list", "--all", "--details");
        Assert.That(details.Stdout, Does.Match(@" extra +running +yes +yes +\d"));
        var stored = Directory.GetFiles(Path.Combine(host.Virtd.StateDir, "storage", "pools"));
        Assert.That(stored.Length, Is.EqualTo(2), "default and extra, one file each");

        await host.RestartAsync("KILL");
        var afterRestart = await host.JsonAsync("pool-info", "extra");
        Assert.That(afterRestart.Json.GetProperty("state").GetString(), Is.EqualTo("running"), afterRestart.ToString());
        Assert.That(afterRestart.Json.GetProperty("autostart").GetBoolean(), Is.True);
        Assert.That(afterRestart.Json.GetProperty("volume_count").GetInt32(), Is.EqualTo(1));

        var deleteActive = await host.JsonAsync("pool-delete", "extra");
        Assert.That(deleteActive.Reason, Is.EqualTo("OPERATION_INVALID"));
        Assert.That((await host.VshAsync("pool-destroy", "extra")).Stdout, Is.EqualTo("Pool extra destroyed\n\n"));
        var deleteNonEmpty = await host.JsonAsync("pool-delete", "extra");
        Assert.That(deleteNonEmpty.Reason, Is.EqualTo("OPERATION_INVALID"), "a directory with files is not removed");
        File.Delete(Path.Combine(target, "outside.img"));
        Assert.That((await host.VshAsync("pool-delete", "extra")).Stdout, Is.EqualTo("Pool extra deleted\n\n"));
        Assert.That(Directory.Exists(target), Is.False);
        Assert.That((await host.VshAsync("pool-undefine", "extra")).Stdout, Is.EqualTo("Pool extra has been undefined\n\n"));
        Assert.That((await host.VshAsync("pool-list", "--all", "--name")).Stdout, Is.EqualTo("default             \n\n"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Killing_virtd_during_a_create_leaves_no_orphan_volume(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        // A source big enough that its copy is still running when virtd is killed.
        var source = Path.Combine(host.Images, "big.img");
        await using (var file = File.Create(source))
        {
            var chunk = new byte[4 * MiB];
            var random = new Random(1);
            for (var i = 0; i < 96; i++)
            {
                random.NextBytes(chunk);
                await file.WriteAsync(chunk, ct);
            }
        }
        Assert.That((await host.VshAsync("pool-refresh", "default")).ExitCode, Is.Zero);

        var clone = host.VshAsync("vol-clone", "big.img", "copy.img", "--pool", "default");
        var started = DateTime.UtcNow;
        while (!Directory.EnumerateFiles(host.Images, ".virt-partial-*").Any())
        {
            Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(60)), "the copy began");
            Assert.That(clone.IsCompleted, Is.False, "the clone finished before it could be interrupted: " + (clone.IsCompleted ? clone.Result.ToString() : ""));
            await Task.Delay(5, ct);
        }
        await host.RestartAsync("KILL");
        await clone;

        var list = await host.JsonAsync("vol-list", "default");
        Assert.That(list.Json.GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("name").GetString()), Is.EqualTo(new[] { "big.img" }));
        Assert.That(Directory.GetFiles(host.Images).Select(Path.GetFileName), Is.EqualTo(new[] { "big.img" }), "no partial file is left");
    }

    private static int _files;

    private static async Task<string> WriteAsync(StorageHost host, string content)
    {
        var path = Path.Combine(host.Virtd.StateDir, $"doc{Interlocked.Increment(ref _files)}.xml");
        await File.WriteAllTextAsync(path, content);
        return path;
    }

    private static string Strip(string fingerprint) =>
        string.Join('\n', fingerprint.Split('\n').Where(l => !l.StartsWith("doc", StringComparison.Ordinal)));
}
