using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// managedsave and its family through a real virtd, vsh and QEMU with the heartbeat guest: the image is found again
/// by a restarted virtd, start resumes the counter from it and removes it, and list, dominfo, undefine,
/// managedsave-remove, managedsave-dumpxml/-define and start --force-boot behave as virsh's do.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ManagedSaveTests
{
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    [Test]
    [CancelAfter(600_000)]
    public async Task Managedsave_survives_a_virtd_restart_and_start_resumes_the_heartbeat_from_it()
    {
        var state = Directory.CreateTempSubdirectory("virt-msave-").FullName;
        try
        {
            string uuid;
            string image;
            int lastSaved;
            await using (var virtd = await VirtdProcess.StartAsync(state))
            {
                var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
                await VshRun.OkAsync(virtd, "define", file);
                await VshRun.OkAsync(virtd, "start", "hb");
                uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
                image = Path.Combine(state, "qemu", "save", uuid + ".save");
                await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, uuid), 2, _boot);

                Assert.That(await VshRun.OkAsync(virtd, "managedsave", "hb"), Is.EqualTo("\nDomain 'hb' state saved by libvirt\n\n"));
                lastSaved = VshRun.Heartbeats(VshRun.ConsoleLog(virtd, uuid))[^1];
                Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("shut off (saved)\n\n"));
                Assert.That(await VshRun.OkAsync(virtd, "dominfo", "hb"), Does.Contain("Managed save:   yes\n"));
                Assert.That(Directory.GetFiles(Path.GetDirectoryName(image)!), Is.EqualTo(new[] { image }), "the image under STATE/qemu/save/UUID.save, no temp file");

                // virsh prints "shut off" unless --managed-save asks to mark saved domains.
                Assert.That(await VshRun.OkAsync(virtd, "list", "--all"), Does.Contain(" -    hb     shut off\n"));
                Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--managed-save"), Does.Contain(" -    hb     saved\n"));
                Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--with-managed-save", "--name"), Is.EqualTo("hb\n\n"));
                Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--without-managed-save", "--name"), Does.Not.Contain("hb"));

                var (code, _, errors) = await VshRun.RunAsync(virtd, "undefine", "hb");
                Assert.That((code, errors), Is.EqualTo((1, "error: Refusing to undefine while domain managed save image exists\n")));
                Assert.That(File.Exists(image), "a refused undefine keeps the image");
            }

            // A new virtd finds the image on disk.
            await using (var virtd = await VirtdProcess.StartAsync(state))
            {
                Assert.That(await VshRun.OkAsync(virtd, "dominfo", "hb"), Does.Contain("Managed save:   yes\n"));
                Assert.That(await VshRun.OkAsync(virtd, "managedsave-dumpxml", "hb"), Does.Contain("<name>hb</name>").And.Contain($"<uuid>{uuid}</uuid>"));

                var log = VshRun.ConsoleLog(virtd, uuid);
                var before = VshRun.Heartbeats(log).Count;
                Assert.That(await VshRun.OkAsync(virtd, "start", "hb"), Is.EqualTo("Domain 'hb' started\n\n"));
                Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (restored)\n\n"));
                await VshRun.WaitForBeatAsync(log, lastSaved, TimeSpan.FromSeconds(30));
                var resumed = VshRun.Heartbeats(log).Skip(before).First();
                Assert.That(resumed, Is.InRange(lastSaved, lastSaved + 3), $"the first heartbeat after start continues from {lastSaved}, it does not start again at 0");
                Assert.That(File.Exists(image), Is.False, "start removes the image once the guest runs");
                Assert.That(await VshRun.OkAsync(virtd, "dominfo", "hb"), Does.Contain("Managed save:   no\n"));
                await VshRun.OkAsync(virtd, "destroy", "hb");
            }
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task Paused_images_remove_force_boot_define_and_undefine_managed_save_behave_as_virsh()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);
        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        var image = Path.Combine(virtd.StateDir, "qemu", "save", uuid + ".save");
        try
        {
            // --paused is recorded in the image: start leaves the guest paused.
            await VshRun.OkAsync(virtd, "managedsave", "hb", "--paused");
            await VshRun.OkAsync(virtd, "start", "hb");
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb"), Is.EqualTo("paused\n\n"));
            Assert.That(File.Exists(image), Is.False);

            // managedsave-remove, twice: the second finds nothing and says so.
            await VshRun.OkAsync(virtd, "managedsave", "hb", "--running");
            Assert.That(await VshRun.OkAsync(virtd, "managedsave-remove", "hb"), Is.EqualTo("Removed managedsave image for domain 'hb'\n"));
            Assert.That(await VshRun.OkAsync(virtd, "managedsave-remove", "hb"), Is.EqualTo("Domain 'hb' has no manage save image; removal skipped\n"));
            Assert.That(File.Exists(image), Is.False);
            Assert.That(await VshRun.OkAsync(virtd, "dominfo", "hb"), Does.Contain("Managed save:   no\n"));
            var (code, _, errors) = await VshRun.RunAsync(virtd, "managedsave-dumpxml", "hb");
            Assert.That((code, errors), Is.EqualTo((1, "error: Domain 'hb' has no managed save image.\n")));

            // Without an image start boots; with one, --force-boot discards it and boots.
            await VshRun.OkAsync(virtd, "start", "hb");
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"));
            await VshRun.OkAsync(virtd, "managedsave", "hb");

            // managedsave-define: a new description is fine; another memory size is not, and changes nothing.
            var xml = await VshRun.OkAsync(virtd, "managedsave-dumpxml", "hb");
            var described = Path.Combine(virtd.StateDir, "described.xml");
            await File.WriteAllTextAsync(described, xml.Replace("<uuid>", "<description>saved for later</description>\n  <uuid>", StringComparison.Ordinal));
            Assert.That(await VshRun.OkAsync(virtd, "managedsave-define", "hb", described), Is.EqualTo("Managed save state file of domain 'hb' updated.\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "managedsave-dumpxml", "hb"), Does.Contain("<description>saved for later</description>"));
            var bigger = Path.Combine(virtd.StateDir, "bigger.xml");
            await File.WriteAllTextAsync(bigger, xml.Replace("<memory unit='KiB'>131072</memory>", "<memory unit='KiB'>262144</memory>", StringComparison.Ordinal));
            Assert.That(await File.ReadAllTextAsync(bigger), Is.Not.EqualTo(xml), "the memory element is as the test expects");
            var before = await File.ReadAllBytesAsync(image);
            (code, _, errors) = await VshRun.RunAsync(virtd, "managedsave-define", "hb", bigger);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.StartWith("error: Failed to update hb XML configuration\nerror: Cannot update '" + image + "': the new XML changes the guest's memory (/domain/memory)"));
            Assert.That(await File.ReadAllBytesAsync(image), Is.EqualTo(before), "a refused define leaves the image as it was");

            Assert.That(await VshRun.OkAsync(virtd, "start", "hb", "--force-boot"), Is.EqualTo("Domain 'hb' started\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"));
            Assert.That(File.Exists(image), Is.False, "--force-boot discards the image");

            // undefine --managed-save removes both.
            await VshRun.OkAsync(virtd, "managedsave", "hb");
            Assert.That(await VshRun.OkAsync(virtd, "undefine", "hb", "--managed-save"), Is.EqualTo("Domain 'hb' has been undefined\n\n"));
            Assert.That(File.Exists(image), Is.False);
            Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Does.Not.Contain("hb"));
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
        }
    }

    /// <summary>
    /// Ctrl-C (SIGINT) to `vsh managedsave` (without --verbose: the call itself waits for the job) while QEMU's writes
    /// into the image are held (<see cref="QemuWriteHold"/>): vsh asks for the abort and waits, the job ends
    /// cancelled, the guest runs on and neither the image nor its temp file is left (the same JobInterrupt as save's,
    /// SaveTests).
    /// </summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task Ctrl_C_on_vsh_managedsave_aborts_the_job_the_guest_keeps_running_and_no_image_is_left()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        var saves = Path.Combine(virtd.StateDir, "qemu", "save");
        QemuWriteHold? hold = null;
        try
        {
            var log = VshRun.ConsoleLog(virtd, uuid);
            await VshRun.WaitForBeatAsync(log, 2, _boot);
            hold = await QemuWriteHold.AttachAsync(virtd, uuid, saves);
            var (process, output, errors) = VshRun.Start(virtd, "managedsave", "hb");
            using var vsh = process;
            await hold.WaitHeldAsync(TimeSpan.FromSeconds(60));

            await VshRun.InterruptHeldSaveAsync(vsh, hold);

            Assert.That(vsh.ExitCode, Is.EqualTo(1));
            Assert.That(await errors, Is.EqualTo("error: Failed to save domain 'hb' state\nerror: operation aborted: domain save job: canceled by client\n"));
            Assert.That(await output, Is.EqualTo("\n"), "only the empty line virsh prints after a failed command");
            Assert.That(await VshRun.OkAsync(virtd, "domjobinfo", "hb", "--completed"), Does.Match(@"Job type: +Cancelled *\n"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (save canceled)\n\n"));
            Assert.That(await VshRun.OkAsync(virtd, "dominfo", "hb"), Does.Contain("Managed save:   no\n"));
            Assert.That(Directory.GetFiles(saves), Is.Empty, "no image and no temp file");
            var last = VshRun.Heartbeats(log)[^1];
            Assert.That(await VshRun.WaitForBeatAsync(log, last, TimeSpan.FromSeconds(30)), Is.GreaterThan(last), "the guest keeps running");
        }
        finally
        {
            hold?.Dispose();
            await VshRun.RunAsync(virtd, "destroy", "hb");
        }
    }
}
