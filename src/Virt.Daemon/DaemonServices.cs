using Virt.Qemu.Capabilities;
using Virt.Rpc.Server;

namespace Virt.Daemon;

/// <summary>The API services virtd serves; each is a thin wrapper over the daemon's own logic.</summary>
internal static class DaemonServices
{
    public static void Register(RpcServer server, DaemonPaths paths, DaemonDrivers drivers)
    {
        var capabilities = new QemuCapabilitiesCache(Path.Combine(paths.StateDir, "cache", "qemu"));
        server.AddService(
            Protocol.V1.HostService.BindService(new Services.HostService(capabilities, "qemu-system-x86_64")),
            Protocol.V1.HostService.Descriptor);
    }
}
