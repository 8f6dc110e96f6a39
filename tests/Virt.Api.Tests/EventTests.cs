using Grpc.Core;
using EventLog = Virt.Driver.EventLog;
using Virt.Protocol.V1;
using DomainLifecycleEvent = Virt.Driver.DomainLifecycleEvent;
using DriverEventType = Virt.Driver.DomainEventType;

namespace Virt.Api.Tests;

/// <summary>EventService: replay after a cursor, gap markers, caught-up with a safe cursor, filters, live events.</summary>
public sealed class EventTests
{
    private static readonly Guid _uuid = Guid.Parse("6695eb01-f6a4-8304-79aa-97f2502e193f");

    private static void Append(EventLog log, int count, string name = "test")
    {
        for (var i = 0; i < count; i++)
        {
            log.Append(new DomainLifecycleEvent(name, name == "test" ? _uuid : Guid.Empty, DriverEventType.Suspended, 0));
        }
    }

    /// <summary>Reads until caught_up (inclusive), then <paramref name="live"/> more messages.</summary>
    private static async Task<List<SubscribeResponse>> ReadAsync(AsyncServerStreamingCall<SubscribeResponse> call, int live = 0)
    {
        List<SubscribeResponse> read = [];
        var after = -1;
        while (after < live && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            read.Add(call.ResponseStream.Current);
            if (after >= 0 || call.ResponseStream.Current.KindCase == SubscribeResponse.KindOneofCase.CaughtUp)
            {
                after++;
            }
        }
        return read;
    }

    private static string Shape(IEnumerable<SubscribeResponse> items) => string.Join(" ", items.Select(i => i.KindCase switch
    {
        SubscribeResponse.KindOneofCase.Event => i.Event.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SubscribeResponse.KindOneofCase.Gap => $"gap({i.Gap.Reason},{i.Gap.OldestRetainedSequence})",
        SubscribeResponse.KindOneofCase.CaughtUp => $"caught-up({i.CaughtUp.LatestSequence})",
        _ => "?",
    }));

    [Test]
    public async Task Replays_after_the_cursor_then_caught_up_then_live()
    {
        var api = new ApiHarness();
        Append(api.Events, 5);
        using var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 2 });
        var replay = await ReadAsync(call);
        Assert.That(Shape(replay), Is.EqualTo("3 4 5 caught-up(5)"));
        Assert.That(replay[^1].CaughtUp.Epoch, Is.EqualTo(api.Events.Epoch));
        await api.Domains.SuspendDomainAsync(new SuspendDomainRequest { Domain = ApiHarness.Name("test") });
        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        var live = call.ResponseStream.Current.Event;
        Assert.That((live.Sequence, live.DomainLifecycle.Domain.Name, live.DomainLifecycle.Type, live.DomainLifecycle.Status.State),
            Is.EqualTo((6ul, "test", DomainEventType.Suspended, DomainState.Paused)));
    }

    [Test]
    public async Task A_cursor_older_than_the_window_gets_a_gap_first()
    {
        var api = new ApiHarness(events: new EventLog(retention: 3));
        Append(api.Events, 6);
        using var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 1 });
        var replay = await ReadAsync(call);
        Assert.That(Shape(replay), Is.EqualTo("gap(Expired,4) 4 5 6 caught-up(6)"));
        Assert.That(replay[0].Gap.RequestedAfterSequence, Is.EqualTo(1));
    }

    [Test]
    public async Task Another_epoch_or_a_cursor_from_the_future_means_the_log_was_reset()
    {
        var api = new ApiHarness();
        Append(api.Events, 2);
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 1, Epoch = "another-epoch" }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("gap(EpochChanged,1) 1 2 caught-up(2)"));
        }
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 99 }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("gap(EpochChanged,1) 1 2 caught-up(2)"));
        }
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 1, Epoch = api.Events.Epoch }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("2 caught-up(2)"));
        }
    }

    [Test]
    public async Task Zero_means_only_new_events_and_from_oldest_means_everything_retained()
    {
        var api = new ApiHarness();
        Append(api.Events, 3);
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest()))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("caught-up(3)"));
        }
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 2, FromOldestRetained = true }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("1 2 3 caught-up(3)"));
        }
        var empty = new ApiHarness();
        using (var call = empty.EventsClient.Subscribe(new SubscribeRequest()))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("caught-up(0)"));
        }
    }

    [Test]
    public async Task Filtered_out_events_still_advance_the_caught_up_cursor()
    {
        var api = new ApiHarness();
        Append(api.Events, 2, "test");
        Append(api.Events, 2, "other");
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = 0, FromOldestRetained = true, Domains = { ApiHarness.Name("test") } }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("1 2 caught-up(4)"));
        }
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { FromOldestRetained = true, Domains = { new DomainRef { Uuid = _uuid.ToString() } } }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("1 2 caught-up(4)"));
        }
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest { FromOldestRetained = true, Families = { EventFamily.NetworkLifecycle } }))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("caught-up(4)"));
        }
        var e = Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = api.EventsClient.Subscribe(new SubscribeRequest { Domains = { new DomainRef { Id = 1 } } });
            await ReadAsync(call);
        });
        Assert.That(ApiHarness.ErrorInfoOf(e!).Metadata["field"], Is.EqualTo("domains.id"));
    }

    [Test]
    public async Task A_subscriber_that_falls_behind_is_dropped_with_RESOURCE_EXHAUSTED_and_resumes_without_loss()
    {
        var api = new ApiHarness(events: new EventLog(subscriberWindow: 1));
        List<ulong> delivered = [];
        using (var call = api.EventsClient.Subscribe(new SubscribeRequest()))
        {
            Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("caught-up(0)"));
            // Not reading: the stream's buffers fill, then the log's window, and the log drops the subscriber.
            Append(api.Events, 200);
            var e = Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    delivered.Add(call.ResponseStream.Current.Event.Sequence);
                }
            });
            Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
            var info = ApiHarness.ErrorInfoOf(e);
            Assert.That((info.Reason, info.Metadata["limit"]), Is.EqualTo(("RESOURCE_LIMIT", "eventBuffer")));
        }
        Assert.That(delivered, Has.Count.LessThan(200));
        using (var resumed = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = delivered.LastOrDefault() }))
        {
            delivered.AddRange((await ReadAsync(resumed)).Where(r => r.KindCase == SubscribeResponse.KindOneofCase.Event).Select(r => r.Event.Sequence));
        }
        Assert.That(delivered, Is.EqualTo(Enumerable.Range(1, 200).Select(i => (ulong)i)));
    }

    [Test]
    public async Task Streams_end_with_UNAVAILABLE_DAEMON_STOPPING_when_the_host_stops()
    {
        using var stopping = new CancellationTokenSource();
        var events = new EventLog();
        var driver = Virt.Driver.Test.TestDriver.CreateDefault(events);
        var services = VirtApi.CreateServices(driver, driver, driver, events, null, new VirtApiOptions { Stopping = stopping.Token });
        var client = new EventService.EventServiceClient(new Virt.Rpc.InProcess.InProcessChannel(services.Select(s => s.Definition)));
        using var call = client.Subscribe(new SubscribeRequest());
        Assert.That(Shape(await ReadAsync(call)), Is.EqualTo("caught-up(0)"));
        await stopping.CancelAsync();
        var e = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.That((e!.StatusCode, ApiHarness.ErrorInfoOf(e).Reason), Is.EqualTo((StatusCode.Unavailable, "DAEMON_STOPPING")));
    }

    [Test]
    public async Task Latest_sequence_reports_the_window_and_epoch()
    {
        var api = new ApiHarness(events: new EventLog(retention: 2));
        var empty = await api.EventsClient.GetLatestSequenceAsync(new GetLatestSequenceRequest());
        Assert.That((empty.LatestSequence, empty.OldestRetainedSequence), Is.EqualTo((0ul, 0ul)));
        Append(api.Events, 5);
        var latest = await api.EventsClient.GetLatestSequenceAsync(new GetLatestSequenceRequest());
        Assert.That((latest.LatestSequence, latest.OldestRetainedSequence, latest.Epoch), Is.EqualTo((5ul, 4ul, api.Events.Epoch)));
    }
}
