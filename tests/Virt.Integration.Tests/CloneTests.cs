using System.Globalization;
using System.Xml.Linq;
using Virt.Client;
using Virt.Testing;
using Proto = Virt.Protocol.V1;

namespace Virt.Integration.Tests;

/// <summary>vsh clone through a real virtd: new name, UUID and MAC, disks copied by real qemu-img, refusals that leave nothing.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CloneTests
{
    private const string Interface = "<interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>";

    [Test]
    [CancelAfter(300_000)]
    public async Task Clone_with_auto_clone_copies_the_disk_and_gives_a_new_uuid_and_mac_and_a_second_clone_to_a_taken_file_leaves_nothing(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var disk = Path.Combine(virtd.StateDir, "hb.qcow2");
        await HostTool.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", disk, "16M");
        await HostTool.RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M", disk);
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb",
            $"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>{Interface}");
        await VshRun.OkAsync(virtd, "define", file);

        // --verbose: the clone job's progress on stderr, as virsh's other long jobs print theirs.
        var (cloned, said, progress) = await VshRun.RunAsync(virtd, "clone", "hb", "--name", "hb2", "--auto-clone", "--verbose");
        Assert.That((cloned, said), Is.EqualTo((0, "Domain 'hb2' cloned from 'hb'\n\n")), progress);
        Assert.That(progress, Does.Match(@"^(\rClone: \[ *\d+ %\])*\rClone: \[100 %\]\n$"));

        var original = XDocument.Parse(await VshRun.OkAsync(virtd, "dumpxml", "hb")).Root!;
        var clone = XDocument.Parse(await VshRun.OkAsync(virtd, "dumpxml", "hb2")).Root!;
        var copy = Path.Combine(virtd.StateDir, "hb2.qcow2");
        Assert.Multiple(() =>
        {
            Assert.That(clone.Element("name")!.Value, Is.EqualTo("hb2"));
            Assert.That(clone.Element("uuid")!.Value, Is.Not.EqualTo(original.Element("uuid")!.Value));
            Assert.That(clone.Descendants("mac").Single().Attribute("address")!.Value, Is.Not.EqualTo("52:54:00:aa:bb:01").And.StartsWith("52:54:00:"));
            Assert.That(clone.Descendants("disk").Single().Element("source")!.Attribute("file")!.Value, Is.EqualTo(copy));
            Assert.That(original.Descendants("disk").Single().Element("source")!.Attribute("file")!.Value, Is.EqualTo(disk));
        });
        // The copy holds the original's data (qemu-img compare reads both, formats given).
        await HostTool.RunAsync("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "qcow2", disk, copy);

        // A taken target: refused before anything is defined, and the existing file is left as it was.
        var taken = Path.Combine(virtd.StateDir, "taken.qcow2");
        await File.WriteAllTextAsync(taken, "not an image", ct);
        var (code, _, errors) = await VshRun.RunAsync(virtd, "clone", "hb", "--name", "hb3", "--file", taken);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.Contain("error: Failed to clone domain 'hb'").And.Contain("already exists"));
            Assert.That(File.ReadAllText(taken), Is.EqualTo("not an image"));
        });
        Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("hb\nhb2\n\n"));
        Assert.That(Directory.GetFiles(virtd.StateDir, "*.part-*", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_running_domain_is_not_cloned_and_a_name_in_use_is_refused(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "other"));
        var (code, _, errors) = await VshRun.RunAsync(virtd, "clone", "hb", "--name", "other", "--auto-clone");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.Contain("already exists"));
        });

        await VshRun.OkAsync(virtd, "start", "hb");
        (code, _, errors) = await VshRun.RunAsync(virtd, "clone", "hb", "--name", "hb2", "--auto-clone");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.Contain("must be shut off or paused"));
        });
        await VshRun.OkAsync(virtd, "suspend", "hb");
        Assert.That(await VshRun.OkAsync(virtd, "clone", "hb", "--name", "hb2", "--auto-clone"), Is.EqualTo("Domain 'hb2' cloned from 'hb'\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb"), Is.EqualTo("paused\n\n"));
        await VshRun.OkAsync(virtd, "destroy", "hb");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_pool_volume_disk_is_cloned_inside_its_pool(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "vol-create-as", "default", "base.qcow2", "16M", "--format", "qcow2");
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb",
            "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='default' volume='base.qcow2'/><target dev='vda' bus='virtio'/></disk>");
        await VshRun.OkAsync(virtd, "define", file);

        Assert.That(await VshRun.OkAsync(virtd, "clone", "hb", "--name", "hb2", "--auto-clone"), Is.EqualTo("Domain 'hb2' cloned from 'hb'\n\n"));

        var source = XDocument.Parse(await VshRun.OkAsync(virtd, "dumpxml", "hb2")).Root!.Descendants("disk").Single().Element("source")!;
        await Assert.MultipleAsync(async () =>
        {
            Assert.That((source.Attribute("pool")?.Value, source.Attribute("volume")?.Value), Is.EqualTo(("default", "hb2.qcow2")));
            Assert.That(await VshRun.OkAsync(virtd, "vol-dumpxml", "--pool", "default", "hb2.qcow2"), Does.Contain("<format type='qcow2'/>"));
        });
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_clone_is_a_job_with_progress_and_aborting_it_kills_qemu_img_and_leaves_nothing(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        // 1 GiB of non-zero data: qemu-img copies every byte of it (zeroes it would skip), time enough to abort.
        var disk = Path.Combine(virtd.StateDir, "big.raw");
        await using (var stream = File.Create(disk))
        {
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)0x5a);
            for (var i = 0; i < 1024; i++)
            {
                await stream.WriteAsync(block, ct);
            }
        }
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb",
            $"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>"));
        await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);

        var job = await virt.CloneDomainAsync("hb", new Proto.CloneDomainRequest { NewName = "hb2", Wait = false }, ct);
        Assert.That((job.Operation, job.State, job.Cancellable), Is.EqualTo((Proto.JobOperation.Clone, Proto.JobState.Running, true)));
        // The copy has started when the job reports qemu-img's first progress for the disk.
        await foreach (var update in virt.WatchJobAsync(job.Id, TimeSpan.FromMilliseconds(100), ct))
        {
            job = update;
            if (update.Progress.Phase == "copying vda" || update.State != Proto.JobState.Running)
            {
                break;
            }
        }
        Assert.That((job.State, job.Progress.DataTotalBytes), Is.EqualTo((Proto.JobState.Running, 1UL << 30)));
        Assert.That(QemuImgWriting(virtd.StateDir), Is.Not.Empty, "qemu-img copies while the job runs");

        await virt.AbortDomainJobAsync("hb", ct);
        var ended = await virt.WaitJobAsync(job.Id, ct);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(ended.State, Is.EqualTo(Proto.JobState.Cancelled));
            Assert.That(ended.Error.Message, Does.StartWith("operation aborted"));
            Assert.That(QemuImgWriting(virtd.StateDir), Is.Empty, "qemu-img was killed");
            Assert.That(Directory.GetFiles(virtd.StateDir, "*", SearchOption.TopDirectoryOnly).Where(f => !f.EndsWith(".xml", StringComparison.Ordinal)), Is.EqualTo(new[] { disk }));
            Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("hb\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domjobinfo", "--completed", "hb"), Does.Match(@"^Job type: +Cancelled +\n"));
        });
    }

    /// <summary>The qemu-img processes whose command line names a file in <paramref name="directory"/>.</summary>
    private static List<int> QemuImgWriting(string directory)
    {
        var found = new List<int>();
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            try
            {
                var argv = File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0');
                if (Path.GetFileName(argv[0]) == "qemu-img" && argv.Any(a => a.StartsWith(directory, StringComparison.Ordinal)))
                {
                    found.Add(int.Parse(Path.GetFileName(proc), CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Not a process, or it has just exited.
            }
        }
        return found;
    }
}
