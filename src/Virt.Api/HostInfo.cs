using Virt.Protocol.V1;
using Virt.Driver;
using DomainSummary = Virt.Driver.DomainSummary;

namespace Virt.Api;

/// <summary>
/// Facts about the host that the drivers do not know: versions, the hostname and the security driver's labels. The host
/// process supplies them: virtd probes QEMU for its version; the test driver answers as libvirt's does
/// (<see cref="HostInfo.ForTestDriver"/>).
/// </summary>
public interface IHostInfo
{
    /// <summary>virsh version's facts.</summary>
    Task<GetVersionResponse> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>virsh hostname.</summary>
    Task<string> GetHostnameAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A domain's security labels, one per security driver (virsh dominfo's "Security" lines). Inactive domains get the
    /// drivers' model and DOI with an empty label, because virsh prints the model and DOI for them too.
    /// </summary>
    IReadOnlyList<SecurityLabel> GetSecurityLabels(DomainSummary domain);

    /// <summary>
    /// virsh dominfo's "OS Type" (virDomainGetOSType): the definition's <c>&lt;os&gt;&lt;type&gt;</c> unless the driver says
    /// otherwise (libvirt's test driver answers <c>linux</c> for every domain).
    /// </summary>
    string GetOsType(DomainSummary domain) => Virt.Domain.Xml.DomainXmlNames.OsType.ToXml(domain.Definition.Os.Type);

    /// <summary>virsh nodeinfo.</summary>
    Task<GetNodeInfoResponse> GetNodeInfoAsync(CancellationToken cancellationToken) => throw NotSupported("virNodeGetInfo");

    /// <summary>virsh nodememstats: the host, or one NUMA cell.</summary>
    Task<GetNodeMemoryStatsResponse> GetNodeMemoryStatsAsync(int? cell, CancellationToken cancellationToken) =>
        throw NotSupported("virNodeGetMemoryStats");

    /// <summary>virsh freecell: the host's free memory, and with <paramref name="perCell"/> each NUMA cell's.</summary>
    Task<GetFreeMemoryResponse> GetFreeMemoryAsync(bool perCell, CancellationToken cancellationToken) =>
        throw NotSupported(perCell ? "virNodeGetCellsFreeMemory" : "virNodeGetFreeMemory");

    /// <summary>virsh nodecpustats: the sum over all CPUs, or one CPU; with <paramref name="perCpu"/>, every CPU too.</summary>
    Task<GetNodeCpuStatsResponse> GetNodeCpuStatsAsync(int? cpu, bool perCpu, CancellationToken cancellationToken) =>
        throw NotSupported("virNodeGetCPUStats");

    /// <summary>virsh nodecpumap: the host's CPU count and its online CPUs.</summary>
    Task<GetNodeCpuMapResponse> GetNodeCpuMapAsync(CancellationToken cancellationToken) => throw NotSupported("virNodeGetCPUMap");

    /// <summary>virsh capabilities.</summary>
    Task<string> GetCapabilitiesAsync(CancellationToken cancellationToken) => throw NotSupported("virConnectGetCapabilities");

    /// <summary>virsh domcapabilities; empty arguments take the defaults.</summary>
    Task<string> GetDomainCapabilitiesAsync(string emulator, string arch, string machine, string virtType, CancellationToken cancellationToken) =>
        throw NotSupported("virConnectGetDomainCapabilities");

    /// <summary>The vCPU placement policy the driver enforces when it starts guests; null when there is none (the test driver).</summary>
    VcpuPlacementPolicy? Placement => null;

    /// <summary>libvirt's VIR_ERR_NO_SUPPORT text for an entry point this driver lacks.</summary>
    static VirtException NotSupported(string api) =>
        new(VirtErrorReason.OperationUnsupported, $"this function is not supported by the connection driver: {api}",
            new Dictionary<string, string> { ["operation"] = api });
}

/// <summary>Fixed host facts, and those of libvirt's test driver.</summary>
public sealed class HostInfo : IHostInfo
{
    /// <summary>The libvirt API level whose behaviour Virt mirrors (virConnectGetLibVersion): 9.0.0.</summary>
    public const ulong MirroredLibvirtVersion = 9_000_000;

    /// <summary>The API package served.</summary>
    public const string ApiVersion = "virt.v1";

    internal static HostInfo None { get; } = new(new GetVersionResponse { ApiVersion = ApiVersion, LibraryVersionNumber = MirroredLibvirtVersion }, null, "");

    private readonly GetVersionResponse _version;
    private readonly string? _hostname;
    private readonly string _securityModel;
    private readonly string _securityDoi;
    private readonly string _label;

    /// <summary>Fixed answers.</summary>
    /// <param name="version">What GetVersion returns.</param>
    /// <param name="hostname">The hostname; null for this machine's.</param>
    /// <param name="securityModel">The security driver's model for active domains' labels; empty for none.</param>
    /// <param name="securityDoi">Its domain of interpretation.</param>
    /// <param name="label">The label every active domain carries (enforcing).</param>
    public HostInfo(GetVersionResponse version, string? hostname, string securityModel, string securityDoi = "", string label = "")
    {
        ArgumentNullException.ThrowIfNull(version);
        _version = version;
        _hostname = hostname;
        _securityModel = securityModel ?? "";
        _securityDoi = securityDoi ?? "";
        _label = label ?? "";
    }

    /// <summary>
    /// libvirt's test driver: "Running hypervisor: TEST 0.0.2", security model <c>testSecurity</c> with label
    /// <c>libvirt-test</c> (enforcing) on active domains, OS type <c>linux</c> for every domain (testDomainGetOSType), and
    /// this machine's hostname (testConnectGetHostname).
    /// </summary>
    public static HostInfo ForTestDriver(string daemonVersion) => new(
        new GetVersionResponse
        {
            DaemonVersion = daemonVersion,
            HypervisorType = "TEST",
            HypervisorVersion = "0.0.2",
            HypervisorVersionNumber = 2,
            LibraryVersionNumber = MirroredLibvirtVersion,
            ApiVersion = ApiVersion,
        },
        hostname: null,
        securityModel: "testSecurity",
        securityDoi: "",
        label: "libvirt-test")
    {
        OsType = "linux",
        AnswersAsTestDriver = true,
    };

    /// <summary>
    /// libvirt's test driver answers nodeinfo, nodecpustats and capabilities with fixed values (test_driver.c's
    /// defaultNodeInfo, testNodeGetCPUStats and testBuildCapabilities).
    /// </summary>
    public bool AnswersAsTestDriver { get; init; }

    /// <inheritdoc />
    public Task<GetNodeInfoResponse> GetNodeInfoAsync(CancellationToken cancellationToken) => AnswersAsTestDriver
        ? Task.FromResult(new GetNodeInfoResponse { Model = "i686", MemoryKib = 3_145_728, Cpus = 16, Mhz = 1400, Nodes = 2, Sockets = 2, Cores = 2, Threads = 2 })
        : throw IHostInfo.NotSupported("virNodeGetInfo");

    /// <inheritdoc />
    public Task<GetFreeMemoryResponse> GetFreeMemoryAsync(bool perCell, CancellationToken cancellationToken)
    {
        if (!AnswersAsTestDriver)
        {
            throw IHostInfo.NotSupported(perCell ? "virNodeGetCellsFreeMemory" : "virNodeGetFreeMemory");
        }
        // testNodeGetFreeMemory and testNodeGetCellsFreeMemory: fixed answers, which do not add up (3 MiB in all, 2 and
        // 4 MiB in the two cells), as virsh freecell shows them.
        var response = new GetFreeMemoryResponse { FreeBytes = 3UL << 20 };
        if (perCell)
        {
            response.Cells.Add(new CellFreeMemory { Cell = 0, FreeBytes = 2UL << 20 });
            response.Cells.Add(new CellFreeMemory { Cell = 1, FreeBytes = 4UL << 20 });
        }
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public Task<GetNodeCpuMapResponse> GetNodeCpuMapAsync(CancellationToken cancellationToken) => AnswersAsTestDriver
        // testNodeGetCPUMap: 8 CPUs, 0, 2 and 4 online (its map byte 0x15), whatever nodeinfo says.
        ? Task.FromResult(new GetNodeCpuMapResponse { Cpus = 8, Online = { 0, 2, 4 } })
        : throw IHostInfo.NotSupported("virNodeGetCPUMap");

    /// <inheritdoc />
    public Task<GetNodeCpuStatsResponse> GetNodeCpuStatsAsync(int? cpu, bool perCpu, CancellationToken cancellationToken)
    {
        if (!AnswersAsTestDriver)
        {
            throw IHostInfo.NotSupported("virNodeGetCPUStats");
        }
        // The same four figures for any CPU number, as libvirt's test driver.
        var times = new NodeCpuTimes { UserNs = 9_797_400_000, KernelNs = 34_678_723_400_000, IdleNs = 87_264_900_000, IowaitNs = 763_600_000 };
        if (cpu is { } number)
        {
            times.Cpu = (uint)number;
        }
        return Task.FromResult(new GetNodeCpuStatsResponse { Times = times });
    }

    /// <inheritdoc />
    public Task<string> GetCapabilitiesAsync(CancellationToken cancellationToken) => AnswersAsTestDriver
        ? Task.FromResult(_testCapabilities.Value)
        : throw IHostInfo.NotSupported("virConnectGetCapabilities");

    private static readonly Lazy<string> _testCapabilities = new(() =>
    {
        using var stream = typeof(HostInfo).Assembly.GetManifestResourceStream("Virt.Api.TestCapabilities.xml")
            ?? throw new InvalidOperationException("The test driver's capabilities resource is missing from Virt.Api.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <inheritdoc />
    public Task<GetVersionResponse> GetVersionAsync(CancellationToken cancellationToken) => Task.FromResult(_version.Clone());

    /// <inheritdoc />
    public Task<string> GetHostnameAsync(CancellationToken cancellationToken) => Task.FromResult(_hostname ?? System.Net.Dns.GetHostName());

    /// <summary>What <see cref="GetOsType"/> answers for every domain; null: the definition's OS type.</summary>
    public string? OsType { get; init; }

    /// <inheritdoc />
    public string GetOsType(DomainSummary domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return OsType ?? Virt.Domain.Xml.DomainXmlNames.OsType.ToXml(domain.Definition.Os.Type);
    }

    /// <inheritdoc />
    public IReadOnlyList<SecurityLabel> GetSecurityLabels(DomainSummary domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return _securityModel.Length == 0
            ? []
            : [new SecurityLabel { Model = _securityModel, Doi = _securityDoi, Label = domain.IsActive ? _label : "", Enforcing = domain.IsActive }];
    }
}
