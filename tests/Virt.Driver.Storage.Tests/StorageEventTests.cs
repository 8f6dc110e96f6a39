using Virt.Client;
using Virt.Protocol.V1;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// Pool and volume events from a real virtd's storage driver: a client subscribed to one pool sees libvirt's pool
/// lifecycle and refresh events and Virt's volume events for every change vsh makes to it, in order, and nothing of
/// another pool.
/// </summary>
public sealed class StorageEventTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Every_change_to_a_pool_and_its_volumes_reaches_a_subscriber_of_that_pool_in_order(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var seen = new List<string>();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new SubscribeRequest
        {
            Families = { EventFamily.PoolLifecycle, EventFamily.PoolRefresh, EventFamily.VolumeLifecycle },
            Pools = { new PoolRef { Name = "evpool" } },
        };
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in client.SubscribeEventsAsync(request, stop.Token))
                {
                    if (item.KindCase == SubscribeResponse.KindOneofCase.CaughtUp)
                    {
                        subscribed.TrySetResult();
                    }
                    else if (item.Event is { } e)
                    {
                        lock (seen)
                        {
                            seen.Add(Describe(e));
                        }
                    }
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // The test ended the subscription.
            }
        }, CancellationToken.None);
        await subscribed.Task.WaitAsync(ct);

        var target = Path.Combine(host.Virtd.StateDir, "evpool");
        var upload = Path.Combine(host.Virtd.StateDir, "upload.bin");
        await File.WriteAllBytesAsync(upload, new byte[4096], ct);
        string[][] steps =
        [
            ["pool-define-as", "evpool", "dir", "--target", target],
            ["pool-build", "evpool"],
            ["pool-start", "evpool"],
            ["vol-create-as", "evpool", "a.img", "1M"],
            ["vol-create-as", "default", "elsewhere.img", "1M"],
            ["vol-resize", "a.img", "2M", "--pool", "evpool"],
            ["vol-wipe", "a.img", "--pool", "evpool"],
            ["vol-upload", "a.img", upload, "--pool", "evpool"],
            ["vol-delete", "a.img", "--pool", "evpool"],
            ["pool-refresh", "evpool"],
            ["pool-destroy", "evpool"],
            ["pool-delete", "evpool"],
            ["pool-undefine", "evpool"],
        ];
        foreach (var step in steps)
        {
            var run = await host.VshAsync(step);
            Assert.That(run.ExitCode, Is.Zero, $"{string.Join(' ', step)}: {run}");
        }

        string[] expected =
        [
            "pool evpool Defined", "pool evpool Created", "pool evpool Started",
            "volume evpool/a.img Created", "volume evpool/a.img Resized", "volume evpool/a.img Wiped",
            "volume evpool/a.img Uploaded", "volume evpool/a.img Deleted",
            "refresh evpool",
            "pool evpool Stopped", "pool evpool Deleted", "pool evpool Undefined",
        ];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Snapshot(seen).Count < expected.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }
        // Anything late (an event of the other pool, a duplicate) would arrive right behind the last one.
        await Task.Delay(500, ct);
        await stop.CancelAsync();
        await reader;
        Assert.That(Snapshot(seen), Is.EqualTo(expected));
    }

    private static List<string> Snapshot(List<string> seen)
    {
        lock (seen)
        {
            return [.. seen];
        }
    }

    private static string Describe(Event e) => e.PayloadCase switch
    {
        Event.PayloadOneofCase.PoolLifecycle => $"pool {e.PoolLifecycle.Pool.Name} {e.PoolLifecycle.Type}",
        Event.PayloadOneofCase.PoolRefresh => $"refresh {e.PoolRefresh.Pool.Name}",
        Event.PayloadOneofCase.VolumeLifecycle => $"volume {e.VolumeLifecycle.Volume.Pool.Name}/{e.VolumeLifecycle.Volume.Name} {e.VolumeLifecycle.Type}",
        _ => $"other {e.PayloadCase}",
    };
}
