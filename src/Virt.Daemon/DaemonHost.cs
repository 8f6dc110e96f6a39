using System.Net;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Virt.Driver;
using Virt.Driver.Qemu;
using Virt.Rpc.Server;

namespace Virt.Daemon;

/// <summary>
/// One virtd instance: its directories, the single-instance lock, and the gRPC server on the admin socket
/// (owner only), the read-only socket (any local user) and optional TCP endpoints.
/// </summary>
internal sealed class DaemonHost(DaemonPaths paths, IReadOnlyList<IPEndPoint> tcpEndPoints, IReadOnlyList<IPEndPoint> peerEndPoints, DriverKind driverKind, VcpuPlacementPolicy placement, SaveImageFormat saveImageFormat, ClientKeepalive keepalive, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("virtd");
    private FileStream? _pidLock;
    private RpcServer? _server;
    private DaemonDrivers? _drivers;

    public static string Version { get; } =
        typeof(DaemonHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        DaemonLog.Starting(_logger, Version, paths.StateDir, paths.RunDir);
        CreateDirectory(paths.StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // World-searchable, so that unprivileged users can reach the read-only socket.
        CreateDirectory(paths.RunDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _pidLock = AcquireSingleInstanceLock();
        DaemonDrivers drivers;
        try
        {
            drivers = await DaemonDrivers.OpenAsync(driverKind, paths, placement, saveImageFormat, loggerFactory, stoppingToken);
            _drivers = drivers;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartupException($"cannot load the state in {paths.StateDir}: {ex.Message}", ex);
        }

        // A second without calls after a burst gives the burst's heap back: a define storm otherwise leaves ~10 MiB of
        // gen0 budget resident in an idle daemon (tools/bench/README.md, daemon RSS).
        _server = new RpcServer(new RpcServerOptions
        {
            LoggerFactory = loggerFactory,
            TrimHeapWhenIdleFor = TimeSpan.FromSeconds(1),
            KeepAlivePingDelay = keepalive.PingDelay,
            KeepAlivePingTimeout = keepalive.PingTimeout,
        });
        _server.ListenUnixSocket(paths.AdminSocket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Any local user may connect here; the read-only flag makes the API refuse every call that changes something.
        _server.ListenUnixSocket(paths.ReadOnlySocket, UnixFileMode.UserRead | UnixFileMode.UserWrite
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite, readOnly: true);
        foreach (var endPoint in tcpEndPoints)
        {
            // TCP has no peer credentials and no TLS yet, so anyone who can reach the port would be admin: until mutual
            // TLS lands, TCP endpoints are read-only like virtd-ro.sock.
            _server.ListenTcp(endPoint, readOnly: true);
        }
        foreach (var endPoint in peerEndPoints)
        {
            // Read-only too, except for the daemon-to-daemon methods (PEER): what a migration source needs, nothing more.
            _server.ListenTcp(endPoint, readOnly: true);
        }
        DaemonServices.Register(_server, paths, drivers, _logger, peerEndPoints.Select(e => "tcp:" + e).ToHashSet(StringComparer.Ordinal), stoppingToken);
        try
        {
            await _server.StartAsync(stoppingToken);
        }
        catch (IOException ex)
        {
            throw new DaemonStartupException($"cannot listen: {ex.Message}", ex);
        }
        DaemonLog.Ready(_logger, paths.AdminSocket, paths.ReadOnlySocket);
        // Start-up (hosting, Kestrel, the descriptors, loading every definition) allocates far more than a running
        // daemon keeps; an aggressive collection now returns that memory to the system instead of holding it as RSS.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            DaemonLog.Stopping(_logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        // After the server: no call is left that could write. The QEMU driver checkpoints its journals here.
        if (_drivers?.Domains is IAsyncDisposable asyncDomains)
        {
            // The QEMU driver lets the workers of guests stopped just now go and tidies up their run files first.
            await asyncDomains.DisposeAsync();
        }
        else if (_drivers?.Domains is IDisposable domains)
        {
            domains.Dispose();
        }
        if (_server is not null)
        {
            DaemonLog.Stopped(_logger);
        }
        if (_pidLock is not null)
        {
            File.Delete(paths.PidFile);
            await _pidLock.DisposeAsync();
        }
    }

    private FileStream AcquireSingleInstanceLock()
    {
        FileStream lockStream;
        try
        {
            lockStream = new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartupException($"cannot open {paths.LockFile}: {ex.Message}", ex);
        }
        if (!SingleInstanceLock.TryTake(lockStream.SafeFileHandle))
        {
            lockStream.Dispose();
            var other = File.Exists(paths.PidFile) ? File.ReadAllText(paths.PidFile).Trim() : null;
            throw new DaemonStartupException(
                $"another virtd{(string.IsNullOrEmpty(other) ? "" : $" (pid {other})")} is already using run directory {paths.RunDir}; stop it or pass a different --run-dir.");
        }
        File.WriteAllText(paths.PidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        return lockStream;
    }

    private static void CreateDirectory(string path, UnixFileMode mode)
    {
        try
        {
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(path, mode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartupException($"cannot create {path}: {ex.Message}", ex);
        }
    }
}
