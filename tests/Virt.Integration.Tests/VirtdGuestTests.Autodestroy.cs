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
        await UntilAsync(async () => await VshRun.OkAsync(virtd, "list", "--all", "--name"), "\n", ct);
    }

    private static Task WaitForStateAsync(VirtdProcess virtd, string state, CancellationToken ct) =>
        UntilAsync(async () => (await VshRun.RunAsync(virtd, "domstate", "hb", "--reason")).Out, state + "\n\n", ct);

    private static async Task UntilAsync(Func<Task<string>> read, string expected, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = await read();
        while (last != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, ct);
            last = await read();
        }
        Assert.That(last, Is.EqualTo(expected), "within 30 s");
    }
}
