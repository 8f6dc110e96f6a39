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
    public async Task A_negative_overcommit_ratio_is_refused_at_start()
    {
        await using var virtd = VirtdProcess.Launch(Directory.CreateTempSubdirectory("virt-host-bad-").FullName, ownsStateDir: true, "--vcpu-overcommit", "-1");

        var exitCode = await virtd.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(virtd.Log.Snapshot(), Has.Some.Contains("--vcpu-overcommit must be"));
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
