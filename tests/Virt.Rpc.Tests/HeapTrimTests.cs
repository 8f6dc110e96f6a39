using Google.Protobuf;
using Virt.Rpc.Client;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// <see cref="RpcServerOptions.TrimHeapWhenIdleFor"/>: after a burst of calls and a quiet spell the server runs one
/// full blocking collection (the aggressive one that decommits free memory), and without the option it runs none.
/// The burst's messages stay under the large-object threshold, so nothing else in it asks for a full collection.
/// </summary>
public sealed class HeapTrimTests
{
    private static readonly TimeSpan _quiet = TimeSpan.FromMilliseconds(300);

    [Test]
    public async Task A_quiet_spell_after_a_burst_of_calls_gives_the_heap_back_with_one_full_collection()
    {
        await using var server = await TestServer.StartAsync(new RpcServerOptions { TrimHeapWhenIdleFor = _quiet });
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);
        var before = FullBlockingCollections();

        await BurstAsync(new Interop.Interop.InteropClient(channel));
        var trimmed = await WaitForFullCollectionAsync(before, TimeSpan.FromSeconds(10));

        Assert.That(trimmed, Is.True, "no full blocking collection within 10 s of the burst's end");
    }

    [Test]
    public async Task Without_the_option_a_burst_of_calls_leaves_the_heap_to_the_GC()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);
        var before = FullBlockingCollections();

        await BurstAsync(new Interop.Interop.InteropClient(channel));
        var trimmed = await WaitForFullCollectionAsync(before, _quiet * 5);

        Assert.That(trimmed, Is.False);
    }

    // 16 MiB of 32 KiB echoes: twice the allocation the server wants before it trims, in small objects only.
    private static async Task BurstAsync(Interop.Interop.InteropClient client)
    {
        var payload = ByteString.CopyFrom(new byte[32 * 1024]);
        for (var i = 0; i < 512; i++)
        {
            await client.EchoAsync(new EchoRequest { Payload = payload });
        }
    }

    private static long FullBlockingCollections() => GC.GetGCMemoryInfo(GCKind.FullBlocking).Index;

    private static async Task<bool> WaitForFullCollectionAsync(long before, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (FullBlockingCollections() != before)
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }
}
