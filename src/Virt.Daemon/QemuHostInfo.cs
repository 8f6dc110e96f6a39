using Virt.Api;
using Virt.Driver;
using Virt.Host;
using Virt.Protocol.V1;
using Virt.Qemu.Capabilities;
using DomainSummary = Virt.Driver.DomainSummary;

namespace Virt.Daemon;

/// <summary>
/// Host facts for the QEMU driver: the version QEMU itself reports and its capabilities (probed once per binary
/// identity and cached under <c>STATE/cache/qemu</c>), this machine's hostname, CPUs, memory and CPU times (read afresh
/// from /proc and sysfs on every call, as libvirt does), the vCPU placement policy, and the "none" security model, which
/// is what libvirt's QEMU driver reports when neither SELinux nor AppArmor confines guests (virt-vmm does not confine
/// them yet either).
/// </summary>
internal sealed class QemuHostInfo(QemuCapabilitiesCache capabilities, string emulator, LinuxHost host, VcpuPlacementPolicy placement, bool kvmUsable) : IHostInfo
{
    public VcpuPlacementPolicy? Placement => placement;

    public async Task<GetVersionResponse> GetVersionAsync(CancellationToken cancellationToken)
    {
        var caps = await capabilities.GetAsync(emulator, cancellationToken);
        return new GetVersionResponse
        {
            DaemonVersion = DaemonHost.Version,
            HypervisorType = "QEMU",
            HypervisorVersion = caps.Version.ToString(),
            HypervisorVersionNumber = (ulong)caps.Version.Number,
            LibraryVersionNumber = HostInfo.MirroredLibvirtVersion,
            ApiVersion = HostInfo.ApiVersion,
        };
    }

    public Task<string> GetHostnameAsync(CancellationToken cancellationToken) => Task.FromResult(System.Net.Dns.GetHostName());

    public IReadOnlyList<SecurityLabel> GetSecurityLabels(DomainSummary domain) =>
        [new SecurityLabel { Model = "none", Doi = "0", Label = "", Enforcing = false }];

    public Task<GetNodeInfoResponse> GetNodeInfoAsync(CancellationToken cancellationToken)
    {
        var info = host.GetNodeInfo();
        return Task.FromResult(new GetNodeInfoResponse
        {
            Model = info.Model,
            MemoryKib = info.MemoryKib,
            Cpus = (uint)info.Cpus,
            Mhz = (uint)info.Mhz,
            Nodes = (uint)info.Nodes,
            Sockets = (uint)info.Sockets,
            Cores = (uint)info.Cores,
            Threads = (uint)info.Threads,
        });
    }

    public Task<GetNodeMemoryStatsResponse> GetNodeMemoryStatsAsync(int? cell, CancellationToken cancellationToken)
    {
        var stats = host.GetMemoryStats(cell);
        var response = new GetNodeMemoryStatsResponse { TotalKib = stats.TotalKib, FreeKib = stats.FreeKib };
        if (stats.BuffersKib is { } buffers)
        {
            response.BuffersKib = buffers;
        }
        if (stats.CachedKib is { } cached)
        {
            response.CachedKib = cached;
        }
        return Task.FromResult(response);
    }

    public Task<GetFreeMemoryResponse> GetFreeMemoryAsync(bool perCell, CancellationToken cancellationToken)
    {
        var (totalKib, cells) = host.GetFreeMemory();
        var response = new GetFreeMemoryResponse { FreeBytes = totalKib * 1024 };
        if (perCell)
        {
            response.Cells.AddRange(cells.Select(c => new CellFreeMemory { Cell = (uint)c.Cell, FreeBytes = c.FreeKib * 1024 }));
        }
        return Task.FromResult(response);
    }

    public Task<GetNodeCpuMapResponse> GetNodeCpuMapAsync(CancellationToken cancellationToken)
    {
        var (cpus, online) = host.GetCpuMap();
        var response = new GetNodeCpuMapResponse { Cpus = (uint)cpus };
        response.Online.AddRange(online.Select(cpu => (uint)cpu));
        return Task.FromResult(response);
    }

    public Task<GetNodeCpuStatsResponse> GetNodeCpuStatsAsync(int? cpu, bool perCpu, CancellationToken cancellationToken)
    {
        var response = new GetNodeCpuStatsResponse { Times = ToProto(host.GetCpuTimes(cpu)) };
        if (perCpu)
        {
            response.PerCpu.AddRange(host.GetPerCpuTimes().Select(ToProto));
        }
        return Task.FromResult(response);
    }

    public async Task<string> GetCapabilitiesAsync(CancellationToken cancellationToken)
    {
        var caps = await capabilities.GetAsync(emulator, cancellationToken);
        return CapabilitiesXml.Format(host, [caps], kvmUsable);
    }

    public async Task<string> GetDomainCapabilitiesAsync(string emulatorPath, string arch, string machine, string virtType, CancellationToken cancellationToken)
    {
        QemuCapabilities caps;
        try
        {
            caps = await capabilities.GetAsync(string.IsNullOrEmpty(emulatorPath) ? emulator : emulatorPath, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Cannot check QEMU binary {emulatorPath}: No such file or directory",
                new Dictionary<string, string> { ["field"] = "emulatorbin", ["value"] = emulatorPath });
        }
        return DomainCapabilitiesXml.Format(caps, arch, machine, virtType, kvmUsable);
    }

    private static Virt.Protocol.V1.NodeCpuTimes ToProto(Virt.Host.NodeCpuTimes times)
    {
        var proto = new Virt.Protocol.V1.NodeCpuTimes { KernelNs = times.KernelNs, UserNs = times.UserNs, IdleNs = times.IdleNs, IowaitNs = times.IowaitNs };
        if (times.Cpu is { } cpu)
        {
            proto.Cpu = (uint)cpu;
        }
        return proto;
    }
}
