using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Virt.Api;
using Virt.Driver;
using Virt.Driver.Test;
using Virt.Protocol.V1;
using Virt.Rpc.Client;
using Virt.Rpc.InProcess;
using DomainListFilter = Virt.Protocol.V1.DomainListFilter;
using DomainSummary = Virt.Protocol.V1.DomainSummary;
using NetworkSummary = Virt.Protocol.V1.NetworkSummary;

namespace Virt.Client;

/// <summary>
/// A connection to a Virt host by URI (see README.md for the URI rules): virtd over a Unix socket or TCP, or, for
/// <c>test:///default</c>, the API over the test driver inside this process with a fresh fixture, as libvirt runs its
/// test driver in the client. The generated clients are exposed for everything; the wrapped calls cover what virsh's
/// common commands need, take virsh's object arguments, and throw <see cref="VirtClientException"/>.
/// </summary>
/// <remarks>Thread-safe; one connection multiplexes any number of concurrent calls. Dispose it to close the channel.</remarks>
public sealed partial class VirtConnection : IAsyncDisposable
{
    private readonly IDisposable? _channelLifetime;

    // For start and create --autodestroy, whose guest lives as long as the connection the call arrives on: that must be
    // one that lives as long as this object (RpcChannel.CreateConnectionBoundCallInvoker).
    private readonly DomainService.DomainServiceClient _connectionBoundDomains;
    private string? _hypervisorType;

    private VirtConnection(string uri, bool readOnly, CallInvoker invoker, IDisposable? channelLifetime, bool isLocalSocket = false, CallInvoker? connectionBound = null)
    {
        Uri = uri;
        IsReadOnly = readOnly;
        IsLocalSocket = isLocalSocket;
        _channelLifetime = channelLifetime;
        Domains = new DomainService.DomainServiceClient(invoker);
        _connectionBoundDomains = connectionBound is null ? Domains : new DomainService.DomainServiceClient(connectionBound);
        Networks = new NetworkService.NetworkServiceClient(invoker);
        Storage = new StorageService.StorageServiceClient(invoker);
        Events = new EventService.EventServiceClient(invoker);
        Host = new HostService.HostServiceClient(invoker);
        Migration = new MigrationService.MigrationServiceClient(invoker);
        MigrationPeer = new MigrationPeerService.MigrationPeerServiceClient(invoker);
        Jobs = new JobService.JobServiceClient(invoker);
    }

    /// <summary>The URI as resolved (the default applied), e.g. <c>virt:///session</c>.</summary>
    public string Uri { get; }

    /// <summary>Whether this connection can only read: the daemon's read-only socket, or the same rule in-process.</summary>
    public bool IsReadOnly { get; }

    /// <summary>The generated DomainService client; its errors are <see cref="RpcException"/> (see <see cref="VirtClientException.From"/>).</summary>
    public DomainService.DomainServiceClient Domains { get; }

    /// <summary>The generated NetworkService client.</summary>
    public NetworkService.NetworkServiceClient Networks { get; }

    /// <summary>The generated StorageService client.</summary>
    public StorageService.StorageServiceClient Storage { get; }

    /// <summary>The generated EventService client.</summary>
    public EventService.EventServiceClient Events { get; }

    /// <summary>The generated HostService client.</summary>
    public HostService.HostServiceClient Host { get; }

    /// <summary>
    /// Opens a connection. For a daemon, the socket is connected once here so that a daemon that is not running (or a
    /// socket this user may not open) fails now, as virsh's connect does; calls then share pooled HTTP/2 connections.
    /// </summary>
    /// <param name="uri">The URI; null: <c>$VIRT_DEFAULT_URI</c>, else <c>virt:///system</c> as root, <c>virt:///session</c> otherwise.</param>
    /// <param name="readOnly">Connect read-only (<c>virtd-ro.sock</c>; in-process and over TCP the same rule is applied to the calls).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="VirtClientException">A malformed or unsupported URI (INVALID_ARGUMENT) or an unreachable daemon (UNAVAILABLE).</exception>
    public static Task<VirtConnection> OpenAsync(string? uri = null, bool readOnly = false, CancellationToken cancellationToken = default) =>
        OpenAsync(uri, readOnly, keepalive: null, unaryLane: false, cancellationToken);

    /// <summary>
    /// Opens a connection with libvirt's client keepalive (virConnectSetKeepAlive, virsh's <c>-k</c> and <c>-K</c>):
    /// after <paramref name="interval"/> seconds without traffic while calls are in flight the client pings the daemon
    /// (an HTTP/2 PING) and closes the connection when <paramref name="interval"/> × <paramref name="count"/> seconds
    /// (at least one) pass without the reply. An interval of 0 turns keepalive off. Without this overload the pings
    /// come after 60 s of silence and wait 20 s.
    /// </summary>
    /// <param name="uri">As in <see cref="OpenAsync(string?, bool, CancellationToken)"/>.</param>
    /// <param name="readOnly">As in <see cref="OpenAsync(string?, bool, CancellationToken)"/>.</param>
    /// <param name="interval">Seconds of silence before a ping; 0 for no keepalive.</param>
    /// <param name="count">How many intervals the reply may take.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="VirtClientException">
    /// As in <see cref="OpenAsync(string?, bool, CancellationToken)"/>; UNIMPLEMENTED (OPERATION_UNSUPPORTED) for
    /// <c>test:///default</c>, which, as libvirt's test driver, has no keepalive.
    /// </exception>
    public static Task<VirtConnection> OpenAsync(string? uri, bool readOnly, int interval, int count, CancellationToken cancellationToken = default) =>
        OpenAsync(uri, readOnly, new VirtConnectionOptions { KeepaliveInterval = interval, KeepaliveCount = count }, cancellationToken);

    /// <summary>Opens a connection with the given <paramref name="options"/>.</summary>
    /// <param name="uri">As in <see cref="OpenAsync(string?, bool, CancellationToken)"/>.</param>
    /// <param name="readOnly">As in <see cref="OpenAsync(string?, bool, CancellationToken)"/>.</param>
    /// <param name="options">Keepalive and how unary calls travel.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative keepalive interval or count.</exception>
    /// <exception cref="VirtClientException">
    /// As in <see cref="OpenAsync(string?, bool, CancellationToken)"/>; UNIMPLEMENTED (OPERATION_UNSUPPORTED) for
    /// keepalive on <c>test:///default</c>, which, as libvirt's test driver, has no keepalive.
    /// </exception>
    public static Task<VirtConnection> OpenAsync(string? uri, bool readOnly, VirtConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        RpcChannelOptions? keepalive = null;
        if (options.KeepaliveInterval is { } interval)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(interval, nameof(options.KeepaliveInterval));
            ArgumentOutOfRangeException.ThrowIfNegative(options.KeepaliveCount, nameof(options.KeepaliveCount));
            keepalive = new RpcChannelOptions
            {
                KeepAlivePingDelay = interval == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(interval),
                KeepAlivePingTimeout = interval == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Math.Max(1L, (long)interval * options.KeepaliveCount)),
            };
        }
        return OpenAsync(uri, readOnly, keepalive, options.UnaryCallsOnCallingThread, cancellationToken);
    }

    private static async Task<VirtConnection> OpenAsync(string? uri, bool readOnly, RpcChannelOptions? keepalive, bool unaryLane, CancellationToken cancellationToken)
    {
        var target = VirtUri.Parse(uri, readOnly);
        switch (target.Transport)
        {
            case VirtTransport.InProcessTest:
            {
                if (keepalive is not null)
                {
                    throw VirtClientException.Local(StatusCode.Unimplemented, ErrorReason.OperationUnsupported,
                        "this function is not supported by the connection driver: virConnectSetKeepAlive");
                }

                var events = new EventLog();
                var driver = TestDriver.CreateDefault(events);
                var services = VirtApi.CreateServices(driver, driver, driver, events, HostInfo.ForTestDriver(ClientVersion));
                var channel = new InProcessChannel(services.Select(s => s.Definition), "test:///default", readOnly);
                return new VirtConnection(target.Text, readOnly, channel.CreateCallInvoker(), null);
            }
            case VirtTransport.Unix:
            {
                var path = target.SocketPath!;
                var connected = await ConnectAsync(new UnixDomainSocketEndPoint(path), $"Failed to connect socket to '{path}'", target.Text, cancellationToken).ConfigureAwait(false);
                // With the unary lane (VirtConnectionOptions.UnaryCallsOnCallingThread) the connection just made becomes it.
                var options = keepalive is null
                    ? new RpcChannelOptions { UnaryLane = unaryLane }
                    : new RpcChannelOptions { UnaryLane = unaryLane, KeepAlivePingDelay = keepalive.KeepAlivePingDelay, KeepAlivePingTimeout = keepalive.KeepAlivePingTimeout };
                var channel = RpcChannel.ForUnixSocket(path, options, connected: connected);
                return new VirtConnection(target.Text, readOnly, channel.CreateCallInvoker(), channel, isLocalSocket: true, channel.CreateConnectionBoundCallInvoker());
            }
            default:
            {
                var host = target.Host!;
                (await ConnectAsync(new DnsEndPoint(host, target.Port), $"unable to connect to server at '{host}:{target.Port}'", target.Text, cancellationToken).ConfigureAwait(false)).Dispose();
                var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
                var channel = RpcChannel.ForAddress(new System.Uri($"http://{authority}:{target.Port}"), keepalive);
                // A TCP listener has no read-only twin, so the client applies the rule itself, from the same descriptors.
                CallInvoker invoker = readOnly ? new ReadOnlyCallInvoker(channel.CreateCallInvoker()) : channel.CreateCallInvoker();
                return new VirtConnection(target.Text, readOnly, invoker, channel);
            }
        }
    }

    /// <summary>virsh version's "Using API" / "Running hypervisor" type: <c>QEMU</c> or <c>TEST</c>.</summary>
    public async Task<string> GetHypervisorTypeAsync(CancellationToken ct = default)
    {
        if (_hypervisorType is { } known)
        {
            return known;
        }
        var version = await CallAsync(() => Host.GetVersionAsync(new GetVersionRequest(), cancellationToken: ct)).ConfigureAwait(false);
        return _hypervisorType = version.HypervisorType;
    }

    /// <summary>Every domain matching <paramref name="filter"/> (null: all, active and inactive), following every page. Ordered by UUID, as the API returns them.</summary>
    public async Task<IReadOnlyList<DomainSummary>> ListDomainsAsync(DomainListFilter? filter = null, CancellationToken ct = default)
    {
        List<DomainSummary> domains = [];
        var request = new ListDomainsRequest { Filter = filter };
        do
        {
            var page = await CallAsync(() => Domains.ListDomainsAsync(request, cancellationToken: ct)).ConfigureAwait(false);
            domains.AddRange(page.Domains);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return domains;
    }

    /// <summary>A domain by virsh's rule: a positive number is an id, else a UUID, else a name (falling back to the name when no domain has that id or UUID).</summary>
    public async Task<DomainSummary> LookupDomainAsync(string domain, CancellationToken ct = default) =>
        (await ByDomainAsync(domain, r => Domains.LookupDomainAsync(new LookupDomainRequest { Domain = r }, cancellationToken: ct)).ConfigureAwait(false)).Domain;

    /// <summary>virsh dominfo.</summary>
    public Task<GetDomainInfoResponse> GetDomainInfoAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.GetDomainInfoAsync(new GetDomainInfoRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh domstate: the state and its reason.</summary>
    public async Task<DomainStatus> GetDomainStateAsync(string domain, CancellationToken ct = default) =>
        (await ByDomainAsync(domain, r => Domains.GetDomainStateAsync(new GetDomainStateRequest { Domain = r }, cancellationToken: ct)).ConfigureAwait(false)).Status;

    /// <summary>virsh dumpxml [--inactive] [--security-info].</summary>
    public async Task<string> GetDomainXmlAsync(string domain, bool inactive = false, bool securityInfo = false, CancellationToken ct = default) =>
        (await ByDomainAsync(domain, r => Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = r, Inactive = inactive, SecurityInfo = securityInfo }, cancellationToken: ct)).ConfigureAwait(false)).Xml;

    /// <summary>virsh domxml-to-native: the command a start of <paramref name="xml"/> would run (format "qemu-argv").</summary>
    public Task<ConvertDomainXmlToNativeResponse> ConvertDomainXmlToNativeAsync(string format, string xml, CancellationToken ct = default) =>
        CallAsync(() => Domains.ConvertDomainXmlToNativeAsync(new ConvertDomainXmlToNativeRequest { Format = format ?? "", Xml = xml ?? "" }, cancellationToken: ct));

    /// <summary>virsh define: creates or replaces a persistent definition.</summary>
    public Task<DefineDomainResponse> DefineDomainAsync(string xml, bool validate = false, CancellationToken ct = default) =>
        CallAsync(() => Domains.DefineDomainAsync(new DefineDomainRequest { Xml = xml ?? "", Validate = validate }, cancellationToken: ct));

    /// <summary>virsh undefine.</summary>
    public Task UndefineDomainAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.UndefineDomainAsync(new UndefineDomainRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh create: starts a transient domain.</summary>
    public Task<CreateDomainResponse> CreateDomainAsync(string xml, bool paused = false, CancellationToken ct = default) =>
        CreateDomainAsync(new CreateDomainRequest { Xml = xml ?? "", Paused = paused }, ct);

    /// <summary>virsh create with every option of the request (<c>--autodestroy</c>: destroyed when this connection closes).</summary>
    public Task<CreateDomainResponse> CreateDomainAsync(CreateDomainRequest request, CancellationToken ct = default) =>
        CallAsync(() => DomainsFor(request.Autodestroy).CreateDomainAsync(request, cancellationToken: ct));

    /// <summary>The client for a start or create: with autodestroy, one whose calls go on a connection as long-lived as this object.</summary>
    private DomainService.DomainServiceClient DomainsFor(bool autodestroy) => autodestroy ? _connectionBoundDomains : Domains;

    /// <summary>virsh start [--paused].</summary>
    public Task StartDomainAsync(string domain, bool paused = false, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.StartDomainAsync(new StartDomainRequest { Domain = r, Paused = paused }, cancellationToken: ct));

    /// <summary>virsh destroy [--graceful] [--remove-logs].</summary>
    public Task DestroyDomainAsync(string domain, bool graceful = false, bool removeLogs = false, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = r, Graceful = graceful, RemoveLogs = removeLogs }, cancellationToken: ct));

    /// <summary>virsh shutdown: asks the guest to power off (returns once the request was delivered).</summary>
    public Task ShutdownDomainAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.ShutdownDomainAsync(new ShutdownDomainRequest { Domain = r, Wait = true }, cancellationToken: ct));

    /// <summary>
    /// Asks the guest to power off and waits up to <paramref name="timeout"/> for it to shut off; then, with
    /// <paramref name="force"/>, destroys it, and without fails with OPERATION_TIMEOUT leaving it running.
    /// </summary>
    public Task ShutdownDomainAsync(string domain, TimeSpan timeout, bool force, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.ShutdownDomainAsync(new ShutdownDomainRequest
        {
            Domain = r,
            Wait = true,
            Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(timeout),
            Force = force,
        }, cancellationToken: ct));

    /// <summary>
    /// virsh console: opens the domain's console (<paramref name="device"/> null: the first one). The console is
    /// exclusive: another client's is CONSOLE_BUSY unless <paramref name="force"/> takes it over.
    /// </summary>
    public async Task<VirtConsole> OpenConsoleAsync(string domain, string? device = null, bool force = false, CancellationToken ct = default)
    {
        var lookup = await LookupDomainAsync(domain, ct).ConfigureAwait(false);
        var call = Domains.OpenConsole(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new OpenConsoleRequest
            {
                Open = new ConsoleOpen { Domain = new Virt.Protocol.V1.DomainRef { Uuid = lookup.Domain.Uuid }, Device = device ?? "", Force = force },
            }, ct).ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false) || call.ResponseStream.Current.KindCase != OpenConsoleResponse.KindOneofCase.Opened)
            {
                throw VirtClientException.Local(StatusCode.Internal, ErrorReason.Internal, "The daemon ended the console call without opening it.");
            }
            return new VirtConsole(call, call.ResponseStream.Current.Opened);
        }
        catch (RpcException e)
        {
            call.Dispose();
            throw VirtClientException.From(e);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>virsh reboot.</summary>
    public Task RebootDomainAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.RebootDomainAsync(new RebootDomainRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh reset.</summary>
    public Task ResetDomainAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.ResetDomainAsync(new ResetDomainRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh suspend.</summary>
    public Task SuspendDomainAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.SuspendDomainAsync(new SuspendDomainRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh resume.</summary>
    public Task ResumeDomainAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.ResumeDomainAsync(new ResumeDomainRequest { Domain = r }, cancellationToken: ct));

    /// <summary>virsh attach-device: the device element <paramref name="xml"/> added.</summary>
    public Task AttachDeviceAsync(string domain, string xml, bool live, bool config, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.AttachDeviceAsync(new AttachDeviceRequest { Domain = r, Xml = xml, Live = live, Config = config }, cancellationToken: ct));

    /// <summary>virsh detach-device: the device the element <paramref name="xml"/> names removed.</summary>
    public Task DetachDeviceAsync(string domain, string xml, bool live, bool config, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.DetachDeviceAsync(new DetachDeviceRequest { Domain = r, Xml = xml, Live = live, Config = config }, cancellationToken: ct));

    /// <summary>virsh update-device (and domif-setlink): the device element <paramref name="xml"/> applied in place.</summary>
    public Task UpdateDeviceAsync(string domain, string xml, bool live, bool config, bool force, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.UpdateDeviceAsync(new UpdateDeviceRequest { Domain = r, Xml = xml, Live = live, Config = config, Force = force }, cancellationToken: ct));

    /// <summary>virsh domrename: an inactive persistent domain under another name; the domain as renamed.</summary>
    public async Task<DomainIdentity> RenameDomainAsync(string domain, string newName, CancellationToken ct = default) =>
        (await ByDomainAsync(domain, r => Domains.RenameDomainAsync(new RenameDomainRequest { Domain = r, NewName = newName }, cancellationToken: ct)).ConfigureAwait(false)).Domain;

    /// <summary>virsh autostart [--disable].</summary>
    public Task SetDomainAutostartAsync(string domain, bool autostart, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.SetDomainAutostartAsync(new SetDomainAutostartRequest { Domain = r, Autostart = autostart }, cancellationToken: ct));

    /// <summary>virsh desc / metadata (read): the title, description or the element of namespace <paramref name="uri"/>; null when there is none.</summary>
    /// <param name="domain">The domain, by virsh's rule.</param>
    /// <param name="type">Which metadata.</param>
    /// <param name="uri">For <see cref="DomainMetadataType.Element"/>: the namespace URI.</param>
    /// <param name="config">Read the persistent definition (virsh --config) rather than the live one.</param>
    /// <param name="ct">Cancels the call.</param>
    public async Task<string?> GetDomainMetadataAsync(string domain, DomainMetadataType type, string? uri = null, bool config = false, CancellationToken ct = default)
    {
        try
        {
            return (await ByDomainAsync(domain, r => Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = r, Type = type, Uri = uri ?? "", Config = config }, cancellationToken: ct)).ConfigureAwait(false)).Value;
        }
        catch (VirtClientException e) when (e.Reason == ErrorReason.MetadataNotFound)
        {
            return null;
        }
    }

    /// <summary>virsh desc / metadata (write). A null or empty <paramref name="value"/> removes it; neither live nor config means current.</summary>
    /// <param name="domain">The domain, by virsh's rule.</param>
    /// <param name="type">Which metadata.</param>
    /// <param name="value">The title, the description, or the element's XML.</param>
    /// <param name="key">For an element: the namespace prefix to write it with (virsh --key).</param>
    /// <param name="uri">For an element: its namespace URI.</param>
    /// <param name="live">virsh --live.</param>
    /// <param name="config">virsh --config.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task SetDomainMetadataAsync(string domain, DomainMetadataType type, string? value, string? key = null, string? uri = null, bool live = false, bool config = false, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Domains.SetDomainMetadataAsync(new SetDomainMetadataRequest
        {
            Domain = r,
            Type = type,
            Value = value ?? "",
            Key = key ?? "",
            Uri = uri ?? "",
            Live = live,
            Config = config,
        }, cancellationToken: ct));

    /// <summary>virsh net-list --all: every network, ordered by name.</summary>
    public async Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(CancellationToken ct = default) =>
        (await CallAsync(() => Networks.ListNetworksAsync(new ListNetworksRequest(), cancellationToken: ct)).ConfigureAwait(false)).Networks;

    /// <summary>virsh net-info: a network by UUID or name (virsh tries the UUID first).</summary>
    public Task<GetNetworkInfoResponse> GetNetworkInfoAsync(string network, CancellationToken ct = default) =>
        ByNetworkAsync(network, r => Networks.GetNetworkInfoAsync(new GetNetworkInfoRequest { Network = r }, cancellationToken: ct));

    /// <summary>virsh net-dumpxml [--inactive].</summary>
    public async Task<string> GetNetworkXmlAsync(string network, bool inactive = false, CancellationToken ct = default) =>
        (await ByNetworkAsync(network, r => Networks.GetNetworkXmlAsync(new GetNetworkXmlRequest { Network = r, Inactive = inactive }, cancellationToken: ct)).ConfigureAwait(false)).Xml;

    /// <summary>virsh pool-list --all: every pool, ordered by name.</summary>
    public async Task<IReadOnlyList<PoolSummary>> ListPoolsAsync(CancellationToken ct = default) =>
        (await CallAsync(() => Storage.ListPoolsAsync(new ListPoolsRequest(), cancellationToken: ct)).ConfigureAwait(false)).Pools;

    /// <summary>virsh pool-info: a pool by UUID or name (virsh tries the UUID first).</summary>
    public async Task<PoolSummary> LookupPoolAsync(string pool, CancellationToken ct = default) =>
        (await ByPoolAsync(pool, r => Storage.LookupPoolAsync(new LookupPoolRequest { Pool = r }, cancellationToken: ct)).ConfigureAwait(false)).Pool;

    /// <summary>virsh pool-dumpxml [--inactive].</summary>
    public async Task<string> GetPoolXmlAsync(string pool, bool inactive = false, CancellationToken ct = default) =>
        (await ByPoolAsync(pool, r => Storage.GetPoolXmlAsync(new GetPoolXmlRequest { Pool = r, Inactive = inactive }, cancellationToken: ct)).ConfigureAwait(false)).Xml;

    /// <summary>
    /// The event feed (gap, replay, caught-up, live), surviving broken streams: when the stream ends with UNAVAILABLE or
    /// RESOURCE_EXHAUSTED, it resubscribes after the last sequence it delivered (in the same epoch), so the caller misses
    /// nothing the daemon still retains; the new stream's gap (if any) and caught-up are delivered too. It gives up with
    /// a <see cref="VirtClientException"/> after several reconnects in a row that deliver nothing.
    /// </summary>
    public async IAsyncEnumerable<SubscribeResponse> SubscribeEventsAsync(SubscribeRequest request, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var next = request.Clone();
        var failures = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var call = Events.Subscribe(next, cancellationToken: ct);
            var stream = call.ResponseStream;
            try
            {
                while (true)
                {
                    SubscribeResponse item;
                    try
                    {
                        if (!await stream.MoveNext(ct).ConfigureAwait(false))
                        {
                            yield break;
                        }
                        item = stream.Current;
                    }
                    catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted && !ct.IsCancellationRequested)
                    {
                        if (++failures > MaxResubscribeAttempts)
                        {
                            throw VirtClientException.From(e);
                        }
                        break;
                    }
                    catch (RpcException e) when (!(e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested))
                    {
                        throw VirtClientException.From(e);
                    }
                    failures = 0;
                    // Resume after what was delivered; the epoch makes a restarted log show up as a gap, not as silence.
                    switch (item.KindCase)
                    {
                        case SubscribeResponse.KindOneofCase.Event:
                            next.AfterSequence = Math.Max(next.AfterSequence, item.Event.Sequence);
                            next.FromOldestRetained = false;
                            break;
                        case SubscribeResponse.KindOneofCase.CaughtUp:
                            next.AfterSequence = Math.Max(next.AfterSequence, item.CaughtUp.LatestSequence);
                            next.FromOldestRetained = false;
                            next.Epoch = item.CaughtUp.Epoch;
                            break;
                        case SubscribeResponse.KindOneofCase.Gap:
                            next.Epoch = item.Gap.Epoch;
                            if (item.Gap.Reason == StreamGapReason.EpochChanged)
                            {
                                // A new numbering: the old cursor is meaningless there.
                                next.AfterSequence = 0;
                                next.FromOldestRetained = true;
                            }
                            break;
                    }
                    yield return item;
                }
            }
            finally
            {
                call.Dispose();
            }
            await Task.Delay(ResubscribeDelay(failures), ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _channelLifetime?.Dispose();
        return ValueTask.CompletedTask;
    }

    private const int MaxResubscribeAttempts = 8;

    private static TimeSpan ResubscribeDelay(int failures) => TimeSpan.FromMilliseconds(Math.Min(2000, 50 * (1 << Math.Min(failures, 6))));

    private static string ClientVersion =>
        typeof(VirtConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v
            ? v.Split('+')[0]
            : "0.0.0";

    private static async Task<T> CallAsync<T>(Func<AsyncUnaryCall<T>> call)
    {
        try
        {
            using var pending = call();
            return await pending.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw VirtClientException.From(e);
        }
    }

    /// <summary>
    /// A call on a domain named virsh's way (virshLookupDomainBy): by id if the text is a positive number, else by UUID if
    /// it is one, else by name; when the id or UUID matches nothing, the name is tried too, as virsh does.
    /// </summary>
    private static async Task<T> ByDomainAsync<T>(string domain, Func<Virt.Protocol.V1.DomainRef, AsyncUnaryCall<T>> call)
    {
        Virt.Driver.DomainRef parsed;
        try
        {
            parsed = Virt.Driver.DomainRef.Parse(domain);
        }
        catch (ArgumentException e)
        {
            throw VirtClientException.Local(StatusCode.InvalidArgument, ErrorReason.InvalidArgument, "A domain is named by a non-empty name, UUID or id.", e);
        }
        var reference = parsed.Id is { } id ? new Virt.Protocol.V1.DomainRef { Id = id }
            : parsed.Uuid is { } uuid ? new Virt.Protocol.V1.DomainRef { Uuid = uuid.ToString("D") }
            : new Virt.Protocol.V1.DomainRef { Name = domain };
        try
        {
            return await CallAsync(() => call(reference)).ConfigureAwait(false);
        }
        catch (VirtClientException e) when (e.Reason == ErrorReason.DomainNotFound && parsed.Name is null)
        {
            return await CallAsync(() => call(new Virt.Protocol.V1.DomainRef { Name = domain })).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <see cref="ByDomainAsync{T}(string, Func{Virt.Protocol.V1.DomainRef, AsyncUnaryCall{T}})"/> for a request the caller
    /// built: a copy of it gets the resolved reference, so the caller's object is left as it was.
    /// </summary>
    private static Task<T> ByDomainAsync<TRequest, T>(string domain, TRequest request, Action<TRequest, Virt.Protocol.V1.DomainRef> setDomain, Func<TRequest, AsyncUnaryCall<T>> call)
        where TRequest : Google.Protobuf.IDeepCloneable<TRequest>
    {
        ArgumentNullException.ThrowIfNull(request);
        return ByDomainAsync(domain, r =>
        {
            var copy = request.Clone();
            setDomain(copy, r);
            return call(copy);
        });
    }

    /// <summary>A call on a network named virsh's way: by UUID if the text is one (then by name if none has it), else by name.</summary>
    private static async Task<T> ByNetworkAsync<T>(string network, Func<NetworkRef, AsyncUnaryCall<T>> call)
    {
        RequireName(network, "network");
        if (Guid.TryParse(network, out var uuid))
        {
            try
            {
                return await CallAsync(() => call(new NetworkRef { Uuid = uuid.ToString("D") })).ConfigureAwait(false);
            }
            catch (VirtClientException e) when (e.Reason == ErrorReason.NetworkNotFound)
            {
                // Fall through to the name, as virsh does.
            }
        }
        return await CallAsync(() => call(new NetworkRef { Name = network })).ConfigureAwait(false);
    }

    /// <summary>A call on a pool named virsh's way: by UUID if the text is one (then by name if none has it), else by name.</summary>
    private static async Task<T> ByPoolAsync<T>(string pool, Func<PoolRef, AsyncUnaryCall<T>> call)
    {
        RequireName(pool, "pool");
        if (Guid.TryParse(pool, out var uuid))
        {
            try
            {
                return await CallAsync(() => call(new PoolRef { Uuid = uuid.ToString("D") })).ConfigureAwait(false);
            }
            catch (VirtClientException e) when (e.Reason == ErrorReason.StoragePoolNotFound)
            {
                // Fall through to the name, as virsh does.
            }
        }
        return await CallAsync(() => call(new PoolRef { Name = pool })).ConfigureAwait(false);
    }

    private static void RequireName(string? text, string kind)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw VirtClientException.Local(StatusCode.InvalidArgument, ErrorReason.InvalidArgument, $"A {kind} is named by a non-empty name or UUID.");
        }
    }

    /// <summary>
    /// Connects once at open, so an absent daemon fails there with the system's reason, as in libvirt. A Unix socket's
    /// connection becomes the channel's first; a TCP one is closed (its handler connects by itself).
    /// </summary>
    private static async Task<Socket> ConnectAsync(EndPoint endPoint, string what, string uri, CancellationToken cancellationToken)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint is UnixDomainSocketEndPoint)
            {
                // Blocking: a local connect is done or refused at once (it waits only for room in a full listen queue,
                // for up to the send timeout), and an asynchronous one would leave the socket in .NET's non-blocking
                // mode, whose blocking calls then go through the socket engine's thread (the unary lane's use them).
                cancellationToken.ThrowIfCancellationRequested();
                socket.SendTimeout = 10_000;
                socket.Connect(endPoint);
                socket.SendTimeout = 0;
                return socket;
            }
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (Exception e)
        {
            socket.Dispose();
            if (e is SocketException failed)
            {
                throw VirtClientException.Local(StatusCode.Unavailable, ErrorReason.Unspecified, $"{what}: {Reason(failed, endPoint)}", e,
                    new Dictionary<string, string> { ["uri"] = uri });
            }
            throw;
        }
    }

    /// <summary>strerror's words, as libvirt prints them; .NET folds ENOENT on a Unix socket into "address not available".</summary>
    private static string Reason(SocketException e, EndPoint endPoint) => e.SocketErrorCode switch
    {
        SocketError.AddressNotAvailable when endPoint is UnixDomainSocketEndPoint unix && !File.Exists(unix.ToString()) => "No such file or directory",
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.AccessDenied => "Permission denied",
        _ => e.Message,
    };
}
