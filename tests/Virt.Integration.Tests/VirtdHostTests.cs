using Grpc.Core;
using Virt.Protocol.V1;
using Virt.Rpc.Client;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>virtd's host side as a real process: the capabilities cache across restarts, and the placement policy.</summary>
public sealed class VirtdHostTests
{
    [Test]
    public async Task A_second_virtd_start_reads_the_capabilities_cache_instead_of_probing_qemu_again()
    {
        var stateDir = Directory.CreateTempSubdirectory("virt-host-cache-").FullName;
        try
        {
            var cacheDir = Path.Combine(stateDir, "cache", "qemu");
            string first;
            DateTime written;
            await using (var virtd = await VirtdProcess.StartAsync(stateDir))
            {
                first = (await HostClient(virtd).GetCapabilitiesAsync(new GetCapabilitiesRequest())).Xml;
                var file = Directory.GetFiles(cacheDir, "qemu-*.json").Single();
                written = File.GetLastWriteTimeUtc(file);
            }
            // A probe would rewrite the file; reading it leaves it alone.
            await using (var virtd = await VirtdProcess.StartAsync(stateDir))
            {
                var second = (await HostClient(virtd).GetCapabilitiesAsync(new GetCapabilitiesRequest())).Xml;
                Assert.That(second, Is.EqualTo(first));
            }
            var after = Directory.GetFiles(cacheDir, "qemu-*.json");
            Assert.That(after, Has.Length.EqualTo(1));
            Assert.That(File.GetLastWriteTimeUtc(after[0]), Is.EqualTo(written), "the cached probe was used, not redone");
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    [Test]
    public async Task The_placement_policy_is_eight_vcpus_per_host_cpu_unless_virtd_is_told_otherwise()
    {
        await using var standard = await VirtdProcess.StartAsync();
        await using var relaxed = await VirtdProcess.StartAsync(null, "--vcpu-overcommit", "2.5");

        var policy = await HostClient(standard).GetPlacementPolicyAsync(new GetPlacementPolicyRequest());
        var other = await HostClient(relaxed).GetPlacementPolicyAsync(new GetPlacementPolicyRequest());
        using var readOnly = RpcChannel.ForUnixSocket(standard.ReadOnlySocket);
        var fromReadOnly = await new HostService.HostServiceClient(readOnly).GetPlacementPolicyAsync(new GetPlacementPolicyRequest());

        var cpus = (await HostClient(standard).GetNodeInfoAsync(new GetNodeInfoRequest())).Cpus;
        Assert.That(policy.VcpuOvercommitRatio, Is.EqualTo(8.0));
        Assert.That(policy.HostCpus, Is.EqualTo(cpus));
        Assert.That(policy.AllocatedVcpus, Is.Zero, "nothing runs");
        Assert.That(policy.HostMemoryKib, Is.GreaterThan(0UL));
        Assert.That(other.VcpuOvercommitRatio, Is.EqualTo(2.5));
        Assert.That(fromReadOnly.VcpuOvercommitRatio, Is.EqualTo(8.0), "a read, allowed on the read-only socket");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Starting_past_the_vcpu_budget_is_refused_with_the_numbers_and_nothing_is_left_running(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        // virtd counts online CPUs (nodeinfo's), which a cgroup limit does not shrink.
        var cpus = File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(',')
            .Sum(part => part.Split('-') is [var first, var last] ? int.Parse(last, System.Globalization.CultureInfo.InvariantCulture) - int.Parse(first, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1);
        // A budget of exactly one vCPU on any host: floor(cpus x 1.5/cpus) = 1.
        var ratio = (1.5 / cpus).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        await using var virtd = await VirtdProcess.StartAsync(null, "--vcpu-overcommit", ratio);
        using var channel = RpcChannel.ForUnixSocket(virtd.AdminSocket);
        var domains = new DomainService.DomainServiceClient(channel);
        await domains.DefineDomainAsync(new DefineDomainRequest { Xml = GuestXml(guest, "small1", vcpus: 1) }, cancellationToken: cancellationToken);
        await domains.DefineDomainAsync(new DefineDomainRequest { Xml = GuestXml(guest, "small2", vcpus: 1) }, cancellationToken: cancellationToken);
        await domains.DefineDomainAsync(new DefineDomainRequest { Xml = GuestXml(guest, "big", vcpus: 2) }, cancellationToken: cancellationToken);

        var tooBig = Assert.ThrowsAsync<RpcException>(async () => await domains.StartDomainAsync(new StartDomainRequest { Domain = new DomainRef { Name = "big" } }, cancellationToken: cancellationToken));
        await domains.StartDomainAsync(new StartDomainRequest { Domain = new DomainRef { Name = "small1" } }, cancellationToken: cancellationToken);
        var full = Assert.ThrowsAsync<RpcException>(async () => await domains.StartDomainAsync(new StartDomainRequest { Domain = new DomainRef { Name = "small2" } }, cancellationToken: cancellationToken));
        var policy = await HostClient(virtd).GetPlacementPolicyAsync(new GetPlacementPolicyRequest(), cancellationToken: cancellationToken);
        var list = await domains.ListDomainsAsync(new ListDomainsRequest(), cancellationToken: cancellationToken);
        await domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = new DomainRef { Name = "small1" } }, cancellationToken: cancellationToken);
        await domains.StartDomainAsync(new StartDomainRequest { Domain = new DomainRef { Name = "small2" } }, cancellationToken: cancellationToken);
        await domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = new DomainRef { Name = "small2" } }, cancellationToken: cancellationToken);

        Assert.That(tooBig!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(tooBig.Status.Detail, Does.StartWith("Cannot start domain 'big': it needs 2 vCPUs, and running domains already use 0 of the 1 this host allows"));
        Assert.That(full!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(full.Status.Detail, Does.StartWith("Cannot start domain 'small2': it needs 1 vCPUs, and running domains already use 1 of the 1 this host allows"));
        Assert.That(full.Status.Detail, Does.Contain("virtd --vcpu-overcommit"), "says how to override");
        Assert.That((policy.AllocatedVcpus, policy.RunningDomains), Is.EqualTo((1u, 1u)));
        Assert.That(list.Domains.Where(d => d.Status.State == DomainState.Running).Select(d => d.Domain.Name), Is.EqualTo(new[] { "small1" }), "the refused starts left nothing running");
    }

    private static string GuestXml(TestGuest guest, string name, int vcpus) =>
        $"""
        <domain type='qemu'>
          <name>{name}</name>
          <memory unit='MiB'>128</memory>
          <vcpu>{vcpus}</vcpu>
          {guest.DirectBootOsXml()}
          <devices>
            <serial type='pty'><target port='0'/></serial>
          </devices>
        </domain>
        """;

    [TestCase("--vcpu-overcommit", "-1")]
    [TestCase("--keepalive-interval", "-2")]
    [TestCase("--keepalive-count", "-1")]
    public async Task A_setting_out_of_range_is_refused_at_start(string option, string value)
    {
        await using var virtd = VirtdProcess.Launch(Directory.CreateTempSubdirectory("virt-host-bad-").FullName, ownsStateDir: true, option, value);

        var exitCode = await virtd.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(virtd.Log.Snapshot(), Has.Some.Contains(option + " must be"));
    }

    [Test]
    public async Task Node_calls_name_what_was_wrong()
    {
        await using var virtd = await VirtdProcess.StartAsync();

        var cell = Assert.ThrowsAsync<RpcException>(async () => await HostClient(virtd).GetNodeMemoryStatsAsync(new GetNodeMemoryStatsRequest { Cell = 4096 }));
        var arch = Assert.ThrowsAsync<RpcException>(async () => await HostClient(virtd).GetDomainCapabilitiesAsync(new GetDomainCapabilitiesRequest { Arch = "aarch64" }));

        Assert.That(cell!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(cell.Status.Detail, Does.StartWith("cellNum in virHostMemGetStats must be less than or equal to "));
        Assert.That(arch!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(arch.Status.Detail, Is.EqualTo("unsupported configuration: unable to find any emulator to serve 'aarch64' architecture"));
    }

    private static HostService.HostServiceClient HostClient(VirtdProcess virtd) => new(RpcChannel.ForUnixSocket(virtd.AdminSocket));
}
