using System.Globalization;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>destroy's promise, as virsh destroy's: when it returns QEMU is gone and the shut-off is what virtd reports, even across a crash.</summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Destroy_returns_once_qemu_is_gone_and_a_virtd_killed_right_after_finds_the_guest_shut_off(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("vg-").FullName;
        try
        {
            string uuid;
            int qemuPid;
            await using (var first = await VirtdProcess.StartAsync(state))
            {
                var file = await VshRun.GuestXmlFileAsync(state, "hb");
                await VshRun.OkAsync(first, "define", file);
                await VshRun.OkAsync(first, "start", "hb");
                uuid = (await VshRun.OkAsync(first, "domuuid", "hb")).Trim();
                await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(first, uuid), -1, _boot);
                qemuPid = int.Parse(File.ReadAllLines(Path.Combine(state, "run", "qemu", uuid + ".state"))
                    .Single(l => l.StartsWith("qemu_pid=", StringComparison.Ordinal))[9..], CultureInfo.InvariantCulture);

                Assert.That(await VshRun.OkAsync(first, "destroy", "hb"), Is.EqualTo("Domain 'hb' destroyed\n\n"));
                // Checked before anything else can run: the answer came after QEMU was reaped, not merely signalled.
                Assert.That(QemuOfGuestRuns(qemuPid, uuid), Is.False, "QEMU is gone when destroy returns");
                Assert.That(await first.StopAsync("KILL"), Is.Not.Zero);
            }
            var log = Path.Combine(state, "qemu", "log", uuid + ".console.log");
            var last = VshRun.Heartbeats(log)[^1];

            await using (var second = await VirtdProcess.StartAsync(state))
            {
                Assert.That(await VshRun.OkAsync(second, "list"), Is.EqualTo(" Id   Name   State\n--------------------\n\n"), "nothing runs");
                Assert.That(await VshRun.OkAsync(second, "domstate", "hb"), Is.EqualTo("shut off\n\n"));
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                Assert.That(VshRun.Heartbeats(log)[^1], Is.EqualTo(last), "the guest never beat again");
                Assert.That(QemuOfGuestRuns(qemuPid, uuid), Is.False);
            }
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Whether <paramref name="pid"/> is still this guest's QEMU (its command line names the UUID; a zombie has none).</summary>
    private static bool QemuOfGuestRuns(int pid, string uuid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Contains(uuid, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
