using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// vsh undefine's storage and NVRAM options through a real virtd, its real <c>default</c> dir pool and real files:
/// which volumes go, which stay, virsh 9's lines for each, and what a refused undefine leaves (everything).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class UndefineStorageTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Storage_removes_the_named_volumes_only_and_reports_a_disk_outside_every_pool(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var outside = Path.Combine(Directory.CreateTempSubdirectory("virt-undefine-").FullName, "outside.img");
        await File.WriteAllBytesAsync(outside, new byte[4096], ct);
        try
        {
            var a = await CreateVolumeAsync(virtd, "a.qcow2");
            await CreateVolumeAsync(virtd, "b.qcow2");
            var c = await CreateVolumeAsync(virtd, "c.qcow2");
            await DefineAsync(virtd, "hb", Disk("vda", a), PoolDisk("vdb", "b.qcow2"), Disk("vdc", outside), Disk("vdd", c));

            var (code, output, errors) = await VshRun.RunAsync(virtd, "undefine", "hb", "--storage", $"vda,b.qcow2,{outside}");

            Assert.Multiple(() =>
            {
                Assert.That(code, Is.Zero, errors);
                Assert.That(output, Is.EqualTo($"Domain 'hb' has been undefined\nVolume 'vda'({a}) removed.\nVolume 'vdb'(b.qcow2) removed.\n\n"));
                Assert.That(errors, Is.EqualTo($"error: Storage volume 'vdc'({outside}) is not managed by libvirt. Remove it manually.\n\n"));
                Assert.That(File.Exists(a), Is.False);
                Assert.That(File.Exists(c), Is.True, "vdd was not named");
                Assert.That(File.Exists(outside), Is.True, "a file outside every pool is never removed");
            });
            var volumes = await VshRun.OkAsync(virtd, "vol-list", "default");
            Assert.That(volumes, Does.Contain("c.qcow2").And.Not.Contain("a.qcow2").And.Not.Contain("b.qcow2"));
            Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("\n"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(outside)!, recursive: true);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_storage_name_no_disk_has_refuses_before_anything_changes_and_option_errors_are_virshs(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var a = await CreateVolumeAsync(virtd, "a.qcow2");
        await DefineAsync(virtd, "hb", Disk("vda", a));

        var (code, output, errors) = await VshRun.RunAsync(virtd, "undefine", "hb", "--storage", "vda,vdz");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(output, Is.EqualTo("\n"));
            Assert.That(errors, Is.EqualTo("error: Volume 'vdz' was not found in domain's definition.\n\n"));
            Assert.That(File.Exists(a), Is.True);
        });

        foreach (var (arguments, message) in new[]
        {
            (new[] { "--wipe-storage" }, "'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'"),
            (new[] { "--storage", "vda", "--remove-all-storage" }, "Specified both --storage and --remove-all-storage"),
            (new[] { "--delete-storage-volume-snapshots" }, "Option --remove-all-storage is required by option --delete-storage-volume-snapshots"),
            (new[] { "--nvram", "--keep-nvram" }, "Options --nvram and --keep-nvram are mutually exclusive"),
        })
        {
            (code, _, errors) = await VshRun.RunAsync(virtd, ["undefine", "hb", .. arguments]);
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(1), string.Join(' ', arguments));
                Assert.That(errors, Is.EqualTo($"error: {message}\n"), string.Join(' ', arguments));
            });
        }

        Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("hb\n\n"), "nothing was undefined");
        Assert.That(File.Exists(a), Is.True);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Remove_all_storage_with_wipe_wipes_and_removes_every_pool_volume(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var a = await CreateVolumeAsync(virtd, "a.qcow2");
        await CreateVolumeAsync(virtd, "b.qcow2");
        await DefineAsync(virtd, "hb", Disk("vda", a), PoolDisk("vdb", "b.qcow2"));

        var (code, output, errors) = await VshRun.RunAsync(virtd, "undefine", "hb", "--remove-all-storage", "--wipe-storage");

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero, errors);
            Assert.That(errors, Is.Empty);
            Assert.That(output, Is.EqualTo(
                $"Domain 'hb' has been undefined\nWiping volume 'vda'({a}) ... Done.\nVolume 'vda'({a}) removed.\n"
                + "Wiping volume 'vdb'(b.qcow2) ... Done.\nVolume 'vdb'(b.qcow2) removed.\n\n"));
        });
        Assert.That(await VshRun.OkAsync(virtd, "vol-list", "default"), Does.Not.Contain("a.qcow2").And.Not.Contain("b.qcow2"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_existing_nvram_file_refuses_a_plain_undefine_keep_nvram_keeps_it_and_nvram_removes_it(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var nvram = Path.Combine(virtd.StateDir, "hb_VARS.fd");
        await File.WriteAllBytesAsync(nvram, new byte[4096], ct);
        var file = await WriteDomainAsync(virtd, "hb", $"<nvram>{nvram}</nvram>", "");
        await VshRun.OkAsync(virtd, "define", file);

        var (code, _, errors) = await VshRun.RunAsync(virtd, "undefine", "hb");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Is.EqualTo("error: Failed to undefine domain 'hb'\nerror: Requested operation is not valid: cannot undefine domain with nvram\n"));
            Assert.That(File.Exists(nvram), Is.True);
        });
        Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("hb\n\n"));

        Assert.That(await VshRun.OkAsync(virtd, "undefine", "hb", "--keep-nvram"), Is.EqualTo("Domain 'hb' has been undefined\n\n"));
        Assert.That(File.Exists(nvram), Is.True);

        await VshRun.OkAsync(virtd, "define", file);
        Assert.That(await VshRun.OkAsync(virtd, "undefine", "hb", "--nvram"), Is.EqualTo("Domain 'hb' has been undefined\n\n"));
        Assert.That(File.Exists(nvram), Is.False);
        Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("\n"));
    }

    private static string Disk(string target, string path) =>
        $"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{path}'/><target dev='{target}' bus='virtio'/></disk>";

    private static string PoolDisk(string target, string volume) =>
        $"<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='default' volume='{volume}'/><target dev='{target}' bus='virtio'/></disk>";

    /// <summary>A volume in virtd's default dir pool; returns its path.</summary>
    private static async Task<string> CreateVolumeAsync(VirtdProcess virtd, string name)
    {
        await VshRun.OkAsync(virtd, "vol-create-as", "default", name, "1M", "--format", "qcow2");
        var path = (await VshRun.OkAsync(virtd, "vol-path", "--pool", "default", name)).Trim();
        Assert.That(File.Exists(path), Is.True, path);
        return path;
    }

    private static async Task DefineAsync(VirtdProcess virtd, string name, params string[] disks) =>
        await VshRun.OkAsync(virtd, "define", await WriteDomainAsync(virtd, name, "", string.Concat(disks)));

    private static async Task<string> WriteDomainAsync(VirtdProcess virtd, string name, string os, string devices)
    {
        var file = Path.Combine(virtd.StateDir, name + ".xml");
        await File.WriteAllTextAsync(file, $"""
            <domain type='qemu'>
              <name>{name}</name>
              <memory unit='MiB'>128</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type>{os}</os>
              <devices>{devices}</devices>
            </domain>
            """);
        return file;
    }
}
