using Google.Protobuf.Reflection;
using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Jobs;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>
/// The public API (proto/virt/v1) over the driver contracts, ready to serve: virtd adds the services to its
/// <c>RpcServer</c>, and the client library runs them in an <c>InProcessChannel</c> for <c>test:///</c> URIs.
/// </summary>
public static class VirtApi
{
    /// <summary>
    /// The API services over these drivers, each with its descriptor (for reflection). Every handler is wrapped with the
    /// access check, unknown-input refusal, error mapping and audit (<see cref="ApiServiceBinder"/>).
    /// </summary>
    /// <param name="domains">The domain driver.</param>
    /// <param name="networks">The network driver.</param>
    /// <param name="pools">The storage pool driver.</param>
    /// <param name="events">The event log the drivers append to.</param>
    /// <param name="host">
    /// Host facts for HostService and dominfo's security labels; null leaves HostService out, for a host process that
    /// serves its own (then pass <see cref="WrapService"/> its definition so it is guarded the same way).
    /// </param>
    /// <param name="options">Audit and shutdown settings.</param>
    public static IReadOnlyList<ApiService> CreateServices(
        IDomainDriver domains,
        INetworkDriver networks,
        IStoragePoolDriver pools,
        EventLog events,
        IHostInfo? host,
        VirtApiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(domains);
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(events);
        options ??= new VirtApiOptions();
        var hostInfo = host ?? HostInfo.None;
        var jobs = options.Jobs ?? new JobRegistry();
        List<ApiService> services =
        [
            WrapService(DomainService.BindService(new DomainApi(domains, events, hostInfo, options.Stopping)), DomainService.Descriptor, options),
            WrapService(NetworkService.BindService(new NetworkApi(networks, events)), NetworkService.Descriptor, options),
            WrapService(StorageService.BindService(new StorageApi(pools, events, jobs, options.Transfers)), StorageService.Descriptor, options),
            WrapService(EventService.BindService(new EventApi(events, options)), EventService.Descriptor, options),
            WrapService(JobService.BindService(new JobApi(jobs, domains, options.Jobs is not null, options.Stopping)), JobService.Descriptor, options),
        ];
        if (host is not null)
        {
            services.Add(WrapService(HostService.BindService(new HostApi(host, domains)), HostService.Descriptor, options));
        }
        if (domains is IDomainMigration migration)
        {
            services.Add(WrapService(MigrationService.BindService(new MigrationApi(domains, migration, options.ConnectPeer, jobs)), MigrationService.Descriptor, options));
            services.Add(WrapService(MigrationPeerService.BindService(new MigrationPeerApi(migration)), MigrationPeerService.Descriptor, options));
        }
        return services;
    }

    /// <summary>
    /// Starts settling the outgoing migrations that the previous run of the host process left unfinished (a restart
    /// during a migration; src/Virt.Driver.Qemu/MIGRATION.md): one MIGRATION_OUT job per migration in
    /// <see cref="VirtApiOptions.Jobs"/>, which asks the destination through <see cref="VirtApiOptions.ConnectPeer"/>.
    /// Returns at once; does nothing for a driver that does not migrate or when no registry is given.
    /// </summary>
    public static void RecoverInterruptedMigrations(IDomainDriver domains, VirtApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(domains);
        ArgumentNullException.ThrowIfNull(options);
        if (domains is IDomainMigration migration && options.Jobs is { } jobs)
        {
            MigrationRecovery.Start(migration, options.ConnectPeer, jobs);
        }
    }

    /// <summary>
    /// Guards a service implemented elsewhere (e.g. virtd's own HostService) exactly as the built-in ones: access from its
    /// descriptor, unknown input refused, <see cref="VirtException"/> mapped, non-read calls audited.
    /// </summary>
    public static ApiService WrapService(ServerServiceDefinition service, ServiceDescriptor descriptor, VirtApiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(descriptor);
        return new ApiService(ApiServiceBinder.Wrap(service, descriptor, options ?? new VirtApiOptions()), descriptor);
    }

    /// <summary>The access level the API enforces for a method, from its <c>(virt.v1.access)</c> option (unannotated: WRITE).</summary>
    public static MethodAccess AccessOf(MethodDescriptor method) => ApiServiceBinder.AccessOf(method);
}

/// <summary>One service to serve: its handlers and its descriptor (for RpcServer.AddService and reflection).</summary>
/// <param name="Definition">The guarded handlers.</param>
/// <param name="Descriptor">The service's descriptor.</param>
public sealed record ApiService(ServerServiceDefinition Definition, ServiceDescriptor Descriptor);

/// <summary>Settings of the API services.</summary>
public sealed record VirtApiOptions
{
    /// <summary>Called after every call of a method that is not READ (including refused ones), e.g. to log who changed what.</summary>
    public Action<ApiCallRecord>? Audit { get; init; }

    /// <summary>
    /// The registry the drivers start their jobs in, served by JobService. Null for drivers that run no jobs (the test
    /// driver): JobService then lists nothing, and domjobinfo/domjobabort answer "not supported", as libvirt's test driver.
    /// </summary>
    public JobRegistry? Jobs { get; init; }

    /// <summary>Fires when the host process starts stopping; open event streams then end with UNAVAILABLE / DAEMON_STOPPING.</summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>
    /// Connects to the destination daemon of a migration (virtd passes one over TCP); null: MigrateDomain is
    /// OPERATION_UNSUPPORTED (the in-process test driver has no peers).
    /// </summary>
    public Func<string, CancellationToken, Task<MigrationPeerConnection>>? ConnectPeer { get; init; }

    /// <summary>
    /// Whether a connection may call the daemon-to-daemon (<c>PEER</c>) methods although it is otherwise read-only
    /// (virtd's <c>--listen-peer</c> endpoints). The admin socket (not read-only) may always call them.
    /// </summary>
    public Func<ConnectionInfo, bool>? IsPeerConnection { get; init; }

    /// <summary>
    /// Called when a vol-upload or vol-download has chosen how its bytes move (the local fast path or the stream), so
    /// the host process can log it; users see it only in vsh's debug output.
    /// </summary>
    public Action<VolumeTransferRecord>? Transfers { get; init; }
}

/// <summary>How one vol-upload or vol-download moves its bytes.</summary>
/// <param name="Operation"><c>upload</c> or <c>download</c>.</param>
/// <param name="Volume">The volume's name.</param>
/// <param name="Connection">The connection the call came on.</param>
/// <param name="LocalFile">Whether virtd copies through the caller's own file descriptor (the local fast path).</param>
/// <param name="Detail">Why the stream was used when the caller offered its file, or null.</param>
public sealed record VolumeTransferRecord(string Operation, string Volume, ConnectionInfo Connection, bool LocalFile, string? Detail);

/// <summary>A connection to a peer daemon's MigrationPeerService, closed by disposing <paramref name="Lifetime"/>.</summary>
/// <param name="Client">The generated client.</param>
/// <param name="Lifetime">What to dispose when the migration is over.</param>
public sealed record MigrationPeerConnection(MigrationPeerService.MigrationPeerServiceClient Client, IAsyncDisposable Lifetime);

/// <summary>A finished call of a non-read method, for the audit log.</summary>
/// <param name="Method">The full method name, <c>virt.v1.DomainService/DefineDomain</c>.</param>
/// <param name="Access">Its declared access level.</param>
/// <param name="Connection">The connection it came on, with the peer's credentials when known.</param>
/// <param name="Outcome">The status it ended with.</param>
public sealed record ApiCallRecord(string Method, MethodAccess Access, ConnectionInfo Connection, StatusCode Outcome);
