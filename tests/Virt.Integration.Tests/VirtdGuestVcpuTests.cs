using System.Globalization;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// vcpucount and vcpuinfo of a real guest: the counts of both definitions, and each vCPU thread's CPU time, host CPU
/// and affinity as the kernel reports them (a pin moves the thread, and vcpuinfo shows where it ran).
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Vcpucount_and_vcpuinfo_report_both_definitions_and_the_vcpu_threads(CancellationToken ct)
    {
        Assert.That(Environment.ProcessorCount, Is.GreaterThanOrEqualTo(2), "pinning is only visible with two host CPUs or more");
        var hostCpus = Environment.ProcessorCount;
        var all = new string('y', hostCpus);
        var cpu0 = "y" + new string('-', hostCpus - 1);
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb", vcpu: "<vcpu>2</vcpu><cputune><vcpupin vcpu='1' cpuset='0'/></cputune>");
        await VshRun.OkAsync(virtd, "define", file);

        Assert.That(await VshRun.OkAsync(virtd, "vcpucount", "hb"), Is.EqualTo("maximum      config         2\ncurrent      config         2\n\n"));
        var (liveCode, _, liveErrors) = await VshRun.RunAsync(virtd, "vcpucount", "hb", "--live");
        Assert.That((liveCode, liveErrors), Is.EqualTo((1, "error: Requested operation is not valid: domain is not running\n")));
        Assert.That(await VshRun.OkAsync(virtd, "vcpuinfo", "hb"), Is.EqualTo(
            $"VCPU:           0\nCPU:            N/A\nState:          N/A\nCPU time        N/A\nCPU Affinity:   {all}\n\n" +
            $"VCPU:           1\nCPU:            N/A\nState:          N/A\nCPU time        N/A\nCPU Affinity:   {cpu0}\n\n"));

        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, uuid), 2, _boot);
        await VshRun.OkAsync(virtd, "setvcpus", "hb", "1", "--config");
        Assert.That(await VshRun.OkAsync(virtd, "vcpucount", "hb"), Is.EqualTo(
            "maximum      config         2\nmaximum      live           2\ncurrent      config         1\ncurrent      live           2\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "vcpucount", "hb", "--current"), Is.EqualTo("2\n\n"), "an active domain's current count is the live one");
        Assert.That(await VshRun.OkAsync(virtd, "vcpucount", "hb", "--config", "--active"), Is.EqualTo("1\n\n"));

        var info = await VshRun.OkAsync(virtd, "vcpuinfo", "hb");
        var entries = Regex.Matches(info, @"VCPU:           (\d)\nCPU:            (\d+)\nState:          running\nCPU time:       (\d+\.\d)s\nCPU Affinity:   ([y-]+)\n");
        Assert.That(entries.Select(m => (m.Groups[1].Value, m.Groups[4].Value)), Is.EqualTo(new[] { ("0", all), ("1", cpu0) }), info);
        Assert.That(int.Parse(entries[1].Groups[2].Value, CultureInfo.InvariantCulture), Is.Zero, "vCPU 1 only runs on host CPU 0");
        Assert.That(entries.Sum(m => double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)), Is.GreaterThan(0), "the booted guest's vCPU threads have used CPU time");

        // Pinned live, vCPU 0's thread is moved by the kernel at once: vcpuinfo reads where it last ran.
        var last = (hostCpus - 1).ToString(CultureInfo.InvariantCulture);
        await VshRun.OkAsync(virtd, "vcpupin", "hb", "0", last);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string pretty;
        while (!(pretty = await VshRun.OkAsync(virtd, "vcpuinfo", "hb", "--pretty")).StartsWith($"VCPU:           0\nCPU:            {last}\n", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, ct);
        }
        Assert.That(pretty, Does.StartWith($"VCPU:           0\nCPU:            {last}\n").And.Contain($"CPU Affinity:   {last} (out of {hostCpus})\n\nVCPU:           1\n")
            .And.EndWith($"CPU Affinity:   0 (out of {hostCpus})\n\n"));

        await VshRun.OkAsync(virtd, "destroy", "hb");
        Assert.That(await VshRun.OkAsync(virtd, "vcpucount", "hb"), Is.EqualTo("maximum      config         2\ncurrent      config         1\n\n"));
    }
}
