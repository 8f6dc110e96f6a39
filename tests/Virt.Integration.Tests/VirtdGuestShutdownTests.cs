using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// The "shutdown with a timeout and force" through vsh: --mode acpi presses the power button and --timeout
/// waits for the guest to power off; a guest whose kernel does not use ACPI ignores the button, and --force destroys it when the
/// timeout passes (without --force it is left running, with a typed error).
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Shutdown_waits_with_timeout_and_force_destroys_a_guest_that_ignores_the_power_button(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        // The machine has ACPI either way; the deaf guest's kernel does not use it, so the button press goes unheard.
        foreach (var (name, kernelFlags) in new[] { ("hb", ""), ("deaf", "acpi=off") })
        {
            var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, name, kernelFlags: kernelFlags);
            await VshRun.OkAsync(virtd, "define", file);
            await VshRun.OkAsync(virtd, "start", name);
            await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, (await VshRun.OkAsync(virtd, "domuuid", name)).Trim()), 2, _boot);
        }

        var (agentCode, _, agentErrors) = await VshRun.RunAsync(virtd, "shutdown", "hb", "--mode", "agent");
        Assert.That((agentCode, agentErrors), Is.EqualTo((1, "error: Failed to shutdown domain 'hb'\nerror: this function is not supported by the connection driver: shutdown mode GuestAgent\n")));
        Assert.That(await VshRun.OkAsync(virtd, "shutdown", "hb", "--mode", "acpi", "--timeout", "120"), Is.EqualTo("Domain 'hb' is being shutdown\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("shut off (shutdown)\n\n"), "--timeout returned once the guest had powered off");

        var (timedOut, _, timeoutErrors) = await VshRun.RunAsync(virtd, "shutdown", "deaf", "--timeout", "2");
        Assert.That((timedOut, timeoutErrors), Is.EqualTo((1,
            "error: Failed to shutdown domain 'deaf'\nerror: Domain 'deaf' did not shut down within 2 s and is still running; use --force to destroy it when the timeout passes.\n")));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "deaf"), Is.EqualTo("running\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "shutdown", "deaf", "--timeout", "2", "--force"),
            Is.EqualTo("Domain 'deaf' is being shutdown\nDomain 'deaf' did not shut down within 2 s and was destroyed\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "deaf", "--reason"), Is.EqualTo("shut off (destroyed)\n\n"));
    }
}
