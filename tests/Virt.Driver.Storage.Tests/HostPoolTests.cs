using System.Globalization;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// Pools on the host's block layer, for real: LVM on a loop device, ext4 on an image file mounted through a loop
/// device, and netfs/iscsi where this host lacks the kernel support. Every loop device and mount a test makes is
/// removed in its finally, whatever failed.
/// </summary>
[NonParallelizable]
public sealed class HostPoolTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    [CancelAfter(300_000)]
    public async Task An_lvm_pool_on_a_loop_device_builds_starts_reports_what_vgs_reports_and_says_device_mapper_is_missing(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var image = Path.Combine(host.Virtd.StateDir, "pv.img");
        await using (var file = File.Create(image))
        {
            file.SetLength(64 * MiB);
        }
        var vg = "virttest" + Guid.NewGuid().ToString("N")[..8];
        var loop = (await Checked("losetup", "-f", "--show", image)).Stdout.Trim();
        try
        {
            var xml = Path.Combine(host.Virtd.StateDir, "lvm.xml");
            await File.WriteAllTextAsync(xml, $"<pool type='logical'><name>lvm</name><source><device path='{loop}'/><name>{vg}</name><format type='lvm2'/></source><target><path>/dev/{vg}</path></target></pool>", ct);
            Assert.That((await host.VshAsync("pool-define", xml)).ExitCode, Is.Zero);
            var build = await host.VshAsync("pool-build", "lvm");
            Assert.That(build.Stdout, Is.EqualTo("Pool lvm built\n\n"), build.ToString());
            var rebuild = await host.JsonAsync("pool-build", "lvm");
            Assert.That(rebuild.Reason, Is.EqualTo("OPERATION_INVALID"), "a device with a volume group is not formatted again without --overwrite: " + rebuild);
            var start = await host.VshAsync("pool-start", "lvm");
            Assert.That(start.Stdout, Is.EqualTo("Pool lvm started\n\n"), start.ToString());

            var info = (await host.JsonAsync("pool-info", "lvm")).Json;
            var vgs = (await Checked("vgs", "--noheadings", "--units", "b", "--nosuffix", "--separator", ",", "-o", "vg_size,vg_free", vg)).Stdout.Trim().Split(',');
            var size = ulong.Parse(vgs[0], CultureInfo.InvariantCulture);
            var free = ulong.Parse(vgs[1], CultureInfo.InvariantCulture);
            Assert.That(info.GetProperty("state").GetString(), Is.EqualTo("running"));
            Assert.That(info.GetProperty("capacity_bytes").GetUInt64(), Is.EqualTo(size));
            Assert.That(info.GetProperty("available_bytes").GetUInt64(), Is.EqualTo(free));
            Assert.That(info.GetProperty("allocation_bytes").GetUInt64(), Is.EqualTo(size - free));

            var create = await host.JsonAsync("vol-create-as", "lvm", "lv1", "8M");
            var lvs = await Checked("lvs", "--noheadings", "-o", "lv_name", vg);
            // The kernel lists its device-mapper driver in /proc/misc; lvm2's package may create /dev/mapper/control regardless.
            if (File.ReadAllText("/proc/misc").Contains("device-mapper", StringComparison.Ordinal))
            {
                Assert.That(create.ExitCode, Is.Zero, "this host has device-mapper: " + create);
            }
            else
            {
                Assert.That(create.Reason, Is.EqualTo("OPERATION_UNSUPPORTED"), create.ToString());
                Assert.That(create.Stdout, Does.Contain("device-mapper is missing"));
                Assert.That(lvs.Stdout.Trim(), Is.Empty, "nothing is left behind in the volume group");
                var tooBig = await host.JsonAsync("vol-create-as", "lvm", "lv2", "1G");
                Assert.That(tooBig.Reason, Is.EqualTo("STORAGE_NO_SPACE"), tooBig.ToString());
            }

            Assert.That((await host.VshAsync("pool-destroy", "lvm")).ExitCode, Is.Zero);
            var delete = await host.VshAsync("pool-delete", "lvm");
            Assert.That(delete.Stdout, Is.EqualTo("Pool lvm deleted\n\n"), delete.ToString());
            Assert.That((await StorageHost.RunAsync("vgs", [vg])).ExitCode, Is.Not.Zero, "the volume group is gone");
            Assert.That((await host.VshAsync("pool-undefine", "lvm")).ExitCode, Is.Zero);
        }
        finally
        {
            await StorageHost.RunAsync("vgremove", ["-f", vg]);
            await StorageHost.RunAsync("pvremove", ["-ff", "-y", loop]);
            await StorageHost.RunAsync("losetup", ["-d", loop]);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_fs_pool_on_an_ext4_image_is_built_mounted_used_and_unmounted(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var image = Path.Combine(host.Virtd.StateDir, "fs.img");
        var mount = Path.Combine(host.Virtd.StateDir, "fsmnt");
        await using (var file = File.Create(image))
        {
            file.SetLength(64 * MiB);
        }
        try
        {
            var xml = Path.Combine(host.Virtd.StateDir, "fs.xml");
            await File.WriteAllTextAsync(xml, $"<pool type='fs'><name>fs</name><source><device path='{image}'/><format type='ext4'/></source><target><path>{mount}</path></target></pool>", ct);
            Assert.That((await host.VshAsync("pool-define", xml)).ExitCode, Is.Zero);
            var build = await host.VshAsync("pool-build", "fs");
            Assert.That(build.Stdout, Is.EqualTo("Pool fs built\n\n"), build.ToString());
            Assert.That((await StorageHost.RunAsync("blkid", ["-o", "value", "-s", "TYPE", image])).Stdout.Trim(), Is.EqualTo("ext4"));
            var start = await host.VshAsync("pool-start", "fs");
            Assert.That(start.Stdout, Is.EqualTo("Pool fs started\n\n"), start.ToString());
            Assert.That(IsMounted(mount), Is.True);

            var create = await host.VshAsync("vol-create-as", "fs", "disk.qcow2", "8M", "--format", "qcow2");
            Assert.That(create.ExitCode, Is.Zero, create.ToString());
            Assert.That(File.Exists(Path.Combine(mount, "disk.qcow2")), Is.True);
            var info = (await host.JsonAsync("pool-info", "fs")).Json;
            var df = (await Checked("df", "-B1", "--output=size,avail", mount)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(info.GetProperty("capacity_bytes").GetUInt64(), Is.EqualTo(ulong.Parse(df[0], CultureInfo.InvariantCulture)));
            Assert.That(info.GetProperty("available_bytes").GetUInt64(), Is.EqualTo(ulong.Parse(df[1], CultureInfo.InvariantCulture)));
            var tooBig = await host.JsonAsync("vol-create-as", "fs", "big.img", "1G");
            Assert.That(tooBig.Reason, Is.EqualTo("STORAGE_NO_SPACE"), "64 MiB of ext4 holds no 1 GiB volume: " + tooBig);

            Assert.That((await host.VshAsync("pool-destroy", "fs")).ExitCode, Is.Zero);
            Assert.That(IsMounted(mount), Is.False, "destroy unmounts");
            Assert.That(File.Exists(Path.Combine(mount, "disk.qcow2")), Is.False, "the volume lives in the filesystem, not the directory");
            Assert.That((await host.VshAsync("pool-start", "fs")).ExitCode, Is.Zero);
            var list = await host.VshAsync("vol-list", "fs");
            Assert.That(list.Stdout, Does.Contain("disk.qcow2"), "mounted again, the volume is back");
            Assert.That((await host.VshAsync("pool-destroy", "fs")).ExitCode, Is.Zero);
        }
        finally
        {
            if (IsMounted(mount))
            {
                await StorageHost.RunAsync("umount", [mount]);
            }
            foreach (var line in (await StorageHost.RunAsync("losetup", ["-j", image])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await StorageHost.RunAsync("losetup", ["-d", line.Split(':')[0]]);
            }
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Netfs_and_iscsi_pools_are_validated_and_refuse_to_start_where_the_host_lacks_them(CancellationToken ct)
    {
        var hasNfs = File.ReadLines("/proc/filesystems").Any(l => l.Trim().EndsWith("nfs", StringComparison.Ordinal) && l.Trim().Split('\t')[^1] == "nfs");
        var hasIscsi = File.Exists("/usr/sbin/iscsiadm") || File.Exists("/sbin/iscsiadm");
        Assume.That(!hasNfs && !hasIscsi, "this check is for hosts without an NFS client and without open-iscsi");
        await using var host = await StorageHost.StartAsync();
        var nfs = Path.Combine(host.Virtd.StateDir, "nfs.xml");
        var iscsi = Path.Combine(host.Virtd.StateDir, "iscsi.xml");
        var broken = Path.Combine(host.Virtd.StateDir, "broken.xml");
        await File.WriteAllTextAsync(nfs, $"<pool type='netfs'><name>nfs</name><source><host name='nfs.example'/><dir path='/export'/><format type='nfs'/></source><target><path>{host.Virtd.StateDir}/nfs</path></target></pool>", ct);
        await File.WriteAllTextAsync(iscsi, "<pool type='iscsi'><name>san</name><source><host name='san.example'/><device path='iqn.2026-11.example:disk1'/></source><target><path>/dev/disk/by-path</path></target></pool>", ct);
        await File.WriteAllTextAsync(broken, $"<pool type='netfs'><name>broken</name><source><host name='nfs.example'/></source><target><path>{host.Virtd.StateDir}/x</path></target></pool>", ct);

        Assert.That((await host.VshAsync("pool-define", nfs)).ExitCode, Is.Zero);
        Assert.That((await host.VshAsync("pool-define", iscsi)).ExitCode, Is.Zero);
        var invalid = await host.JsonAsync("pool-define", broken);
        var startNfs = await host.JsonAsync("pool-start", "nfs", "--build");
        var startIscsi = await host.JsonAsync("pool-start", "san");

        Assert.That(invalid.Reason, Is.EqualTo("INVALID_XML"), invalid.ToString());
        Assert.That(invalid.Stdout, Does.Contain("dir"));
        Assert.That(startNfs.Reason, Is.EqualTo("OPERATION_UNSUPPORTED"), startNfs.ToString());
        Assert.That(startNfs.Stdout, Does.Contain("netfs pools are not supported on this host").And.Contain("NFS").IgnoreCase);
        Assert.That(startIscsi.Reason, Is.EqualTo("OPERATION_UNSUPPORTED"), startIscsi.ToString());
        Assert.That(startIscsi.Stdout, Does.Contain("iscsi pools are not supported on this host").And.Contain("iscsiadm"));
        var list = await host.JsonAsync("pool-list", "--all");
        Assert.That(list.Json.GetProperty("pools").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("state").GetString())),
            Is.EquivalentTo(new[] { ("default", "running"), ("nfs", "inactive"), ("san", "inactive") }));
    }

    private static bool IsMounted(string directory) =>
        File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == directory);

    private static async Task<Run> Checked(string tool, params string[] arguments)
    {
        var run = await StorageHost.RunAsync(tool, arguments);
        Assert.That(run.ExitCode, Is.Zero, $"{tool} {string.Join(' ', arguments)}: {run}");
        return run;
    }
}
