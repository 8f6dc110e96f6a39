using Virt.Rpc.Server;

namespace Virt.Daemon;

/// <summary>The API services virtd serves; each is a thin wrapper over the daemon's own logic.</summary>
internal static class DaemonServices
{
    public static void Register(RpcServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
    }
}
