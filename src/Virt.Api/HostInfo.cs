using Virt.Protocol.V1;
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
    };

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
