using System.Diagnostics;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>start/create --autodestroy: the guest lives as long as the connection of the vsh that started it.</summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task An_autodestroy_guest_runs_while_the_starting_shell_is_connected_and_is_destroyed_when_it_disconnects(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);

        // A vsh shell keeps its connection between commands: the guest runs on until the shell ends.
        var start = new ProcessStartInfo(VshRun.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(virtd.AdminUri);
        using (var shell = Process.Start(start)!)
        {
            var output = shell.StandardOutput.ReadToEndAsync(ct);
            var errors = shell.StandardError.ReadToEndAsync(ct);
            await shell.StandardInput.WriteLineAsync("start hb --autodestroy");
            await shell.StandardInput.FlushAsync(ct);
            await WaitForStateAsync(virtd, "running (booted)", ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"), "still running while the shell is connected");

            shell.StandardInput.Close();
            await shell.WaitForExitAsync(ct);
            Assert.That(shell.ExitCode, Is.Zero, await errors);
            Assert.That(await output, Does.Contain("Domain 'hb' started"));
        }
        await WaitForStateAsync(virtd, "shut off (destroyed)", ct);

        // A one-shot vsh disconnects as it exits, so its guest goes at once (as virsh's does); create's transient one is then gone.
        Assert.That(await VshRun.OkAsync(virtd, "start", "hb", "--autodestroy"), Is.EqualTo("Domain 'hb' started\n\n"));
        await WaitForStateAsync(virtd, "shut off (destroyed)", ct);
        await VshRun.OkAsync(virtd, "undefine", "hb");
        Assert.That(await VshRun.OkAsync(virtd, "create", file, "--autodestroy"), Is.EqualTo($"Domain 'hb' created from {file}\n\n"));
        Assert.That(await Eventually.ReadAsync(() => VshRun.OkAsync(virtd, "list", "--all", "--name"), l => l == "\n", TimeSpan.FromSeconds(30), ct),
            Is.EqualTo("\n"), "the transient domain is gone within 30 s");
    }

    private static async Task WaitForStateAsync(VirtdProcess virtd, string state, CancellationToken ct) =>
        Assert.That(await Eventually.ReadAsync(async () => (await VshRun.RunAsync(virtd, "domstate", "hb", "--reason")).Out, o => o == state + "\n\n", TimeSpan.FromSeconds(30), ct),
            Is.EqualTo(state + "\n\n"), "within 30 s");
}
