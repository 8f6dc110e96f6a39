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
        // Pings after a second of silence, and a second for the answer: a shell that answers keeps its guest past them.
        await using var virtd = await VirtdProcess.StartAsync(null, "--keepalive-interval", "1", "--keepalive-count", "1");
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);

        // A vsh shell keeps its connection between commands: the guest runs on until the shell ends.
        var (shell, output, errors) = await StartAutodestroyGuestInShellAsync(virtd, ct);
        using (shell)
        {
            await Task.Delay(TimeSpan.FromSeconds(4), ct);
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"), "still running while the shell is connected");

            shell.StandardInput.Close();
            await shell.WaitForExitAsync(ct);
            Assert.That(shell.ExitCode, Is.Zero, await errors);
            Assert.That(await output, Does.Contain("Domain 'hb' started"));
        }
        await WaitForStateAsync(virtd, "shut off (destroyed)", ct);

        // A shell that stops answering (frozen here; a TCP peer whose host is gone is the same to virtd) has its
        // connection closed by virtd's keepalive, and its guest goes with it, although its socket was never closed.
        (shell, output, errors) = await StartAutodestroyGuestInShellAsync(virtd, ct);
        using (var frozen = shell)
        {
            VshRun.Signal("STOP", frozen.Id);
            try
            {
                await WaitForStateAsync(virtd, "shut off (destroyed)", ct);
            }
            finally
            {
                VshRun.Signal("CONT", frozen.Id);
            }
            frozen.StandardInput.Close();
            await frozen.WaitForExitAsync(ct);
            Assert.That(await output, Does.Contain("Domain 'hb' started"), await errors);
        }

        // A one-shot vsh disconnects as it exits, so its guest goes at once (as virsh's does); create's transient one is then gone.
        Assert.That(await VshRun.OkAsync(virtd, "start", "hb", "--autodestroy"), Is.EqualTo("Domain 'hb' started\n\n"));
        await WaitForStateAsync(virtd, "shut off (destroyed)", ct);
        await VshRun.OkAsync(virtd, "undefine", "hb");
        Assert.That(await VshRun.OkAsync(virtd, "create", file, "--autodestroy"), Is.EqualTo($"Domain 'hb' created from {file}\n\n"));
        Assert.That(await Eventually.ReadAsync(() => VshRun.OkAsync(virtd, "list", "--all", "--name"), l => l == "\n", TimeSpan.FromSeconds(30), ct),
            Is.EqualTo("\n"), "the transient domain is gone within 30 s");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_autodestroy_guest_is_not_migrated_and_a_virtd_restarted_after_sigkill_destroys_it(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("vg-").FullName;
        try
        {
            string mark;
            await using (var first = await VirtdProcess.StartAsync(state))
            {
                await VshRun.OkAsync(first, "define", await VshRun.GuestXmlFileAsync(state, "hb"));
                mark = Path.Combine(first.RunDir, "qemu", (await VshRun.OkAsync(first, "domuuid", "hb")).Trim() + ".autodestroy");
                using var shell = StartShell(first);
                var output = shell.StandardOutput.ReadToEndAsync(ct);
                await shell.StandardInput.WriteLineAsync("start hb --autodestroy");
                await shell.StandardInput.WriteLineAsync("migrate --live hb virt+tcp://127.0.0.1:9/");
                await shell.StandardInput.FlushAsync(ct);
                // Refused in the source's Begin, before any peer is called (nothing listens on port 9).
                var errors = new List<string>();
                using (var budget = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    budget.CancelAfter(TimeSpan.FromSeconds(60));
                    while (!errors.Any(e => e.Contains("auto destroy", StringComparison.Ordinal)) && await shell.StandardError.ReadLineAsync(budget.Token) is { } line)
                    {
                        errors.Add(line);
                    }
                }
                Assert.That(errors, Has.Some.EqualTo("error: Requested operation is not valid: domain is marked for auto destroy"));
                Assert.That(await VshRun.OkAsync(first, "domstate", "hb"), Is.EqualTo("running\n\n"));
                Assert.That(File.ReadAllText(mark), Is.EqualTo("1"), "the run carries its mark, with its domain id");

                // The shell is still connected when virtd dies: only the mark can tell the next virtd.
                Assert.That(await first.StopAsync("KILL"), Is.Not.Zero);
                shell.StandardInput.Close();
                await shell.WaitForExitAsync(ct);
                Assert.That(await output, Does.Contain("Domain 'hb' started"));
            }
            await using (var second = await VirtdProcess.StartAsync(state))
            {
                await WaitForStateAsync(second, "shut off (destroyed)", ct);
                Assert.That(File.Exists(mark), Is.False, "the mark goes with the run");

                // A run started without the flag is not marked, and a restart leaves it running.
                await VshRun.OkAsync(second, "start", "hb");
                Assert.That(await second.StopAsync("KILL"), Is.Not.Zero);
            }
            await using (var third = await VirtdProcess.StartAsync(state))
            {
                Assert.That(await VshRun.OkAsync(third, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"));
                Assert.That(File.Exists(mark), Is.False);
            }
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>A vsh shell that has started hb with --autodestroy, and what it prints, read to its end.</summary>
    private static async Task<(Process Shell, Task<string> Output, Task<string> Errors)> StartAutodestroyGuestInShellAsync(VirtdProcess virtd, CancellationToken ct)
    {
        var shell = StartShell(virtd);
        var output = shell.StandardOutput.ReadToEndAsync(ct);
        var errors = shell.StandardError.ReadToEndAsync(ct);
        await shell.StandardInput.WriteLineAsync("start hb --autodestroy");
        await shell.StandardInput.FlushAsync(ct);
        await WaitForStateAsync(virtd, "running (booted)", ct);
        return (shell, output, errors);
    }

    private static Process StartShell(VirtdProcess virtd)
    {
        var start = new ProcessStartInfo(VshRun.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(virtd.AdminUri);
        return Process.Start(start)!;
    }

    private static async Task WaitForStateAsync(VirtdProcess virtd, string state, CancellationToken ct) =>
        Assert.That(await Eventually.ReadAsync(async () => (await VshRun.RunAsync(virtd, "domstate", "hb", "--reason")).Out, o => o == state + "\n\n", TimeSpan.FromSeconds(30), ct),
            Is.EqualTo(state + "\n\n"), "within 30 s");
}
