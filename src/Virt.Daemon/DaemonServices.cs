using Microsoft.Extensions.Logging;
using Virt.Api;
using Virt.Host;
using Virt.Qemu.Capabilities;
using Virt.Rpc.Server;

namespace Virt.Daemon;

/// <summary>The API services virtd serves: Virt.Api over its drivers, with every non-read call logged with the caller's credentials.</summary>
internal static class DaemonServices
{
    public static void Register(RpcServer server, DaemonPaths paths, DaemonDrivers drivers, ILogger logger, IReadOnlySet<string> peerListeners, CancellationToken stopping)
    {
        IHostInfo host = drivers.Kind == DriverKind.Test
            ? HostInfo.ForTestDriver(DaemonHost.Version)
            : new QemuHostInfo(new QemuCapabilitiesCache(Path.Combine(paths.StateDir, "cache", "qemu")), "qemu-system-x86_64", new LinuxHost(), drivers.Placement, drivers.KvmUsable);
        var options = new VirtApiOptions
        {
            // One line per call that may change something, refused ones included: who (from SO_PEERCRED), what, how it ended.
            Audit = call =>
            {
                // The transport's path form (/virt.v1.DomainService/DefineDomain) without its leading slash.
                var method = call.Method.TrimStart('/');
                var peer = call.Connection.Peer;
                DaemonLog.Call(logger, method, call.Outcome, call.Connection.ListenerName, peer?.Pid ?? -1, peer?.Uid ?? uint.MaxValue, peer?.Gid ?? uint.MaxValue);
            },
            // Which way a vol-upload/vol-download that offered its file moved the bytes (the local fast path or the stream).
            Transfers = transfer =>
            {
                var pid = transfer.Connection.Peer?.Pid ?? -1;
                if (transfer.LocalFile)
                {
                    DaemonLog.VolumeTransferLocal(logger, transfer.Operation, transfer.Volume, transfer.Connection.ListenerName, pid);
                }
                else
                {
                    DaemonLog.VolumeTransferDeclined(logger, transfer.Operation, transfer.Volume, transfer.Connection.ListenerName, pid, transfer.Detail ?? "");
                }
            },
            Stopping = stopping,
            ConnectPeer = PeerConnector.ConnectAsync,
            IsPeerConnection = connection => peerListeners.Contains(connection.ListenerName),
            Jobs = drivers.Jobs,
        };
        foreach (var service in VirtApi.CreateServices(drivers.Domains, drivers.Networks, drivers.Pools, drivers.Events, host, options))
        {
            server.AddService(service.Definition, service.Descriptor);
        }
        // Before the first call is served: a migration the last run of virtd left unfinished is settled in a job.
        VirtApi.RecoverInterruptedMigrations(drivers.Domains, options);
    }
}
