using Virt.Api;
using Virt.Client;
using Virt.Driver;

namespace Virt.Daemon;

/// <summary>How virtd reaches the destination daemon of a migration: gRPC over TCP through the client library.</summary>
internal static class PeerConnector
{
    public static async Task<MigrationPeerConnection> ConnectAsync(string destination, CancellationToken cancellationToken)
    {
        VirtConnection connection;
        try
        {
            connection = await VirtConnection.OpenAsync(destination, readOnly: false, cancellationToken).ConfigureAwait(false);
        }
        catch (VirtClientException e)
        {
            throw new VirtException(VirtErrorReason.PeerUnreachable, $"Cannot reach the destination daemon {destination}: {e.Message}",
                new Dictionary<string, string> { ["destination"] = destination }, e);
        }
        return new MigrationPeerConnection(connection.MigrationPeer, connection);
    }
}
