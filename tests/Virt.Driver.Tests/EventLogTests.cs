namespace Virt.Driver.Tests;

public sealed class EventLogTests
{
    private static DomainLifecycleEvent Started(string name) => new(name, Guid.Empty, DomainEventType.Started, 0);

    [Test]
    public async Task A_reconnecting_subscriber_gets_what_it_missed_then_caught_up_then_live_events()
    {
        var log = new EventLog();
        log.Append(Started("a"));
        var cursor = log.Append(Started("b")).Sequence;
        log.Append(Started("c"));
        log.Append(Started("d"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var received = new List<string>();
        await foreach (var item in log.SubscribeAsync(cursor, fromOldestRetained: false, cts.Token))
        {
            if (item.IsCaughtUp)
            {
                received.Add("caught-up");
                log.Append(Started("e"));
                continue;
            }
            received.Add(((DomainLifecycleEvent)item.Event!.Event).Name);
            if (received.Count == 4)
            {
                break;
            }
        }

        Assert.That(received, Is.EqualTo(new[] { "c", "d", "caught-up", "e" }));
    }

    [Test]
    public async Task A_cursor_older_than_the_retained_window_starts_with_a_gap()
    {
        var log = new EventLog(retention: 2);
        for (var i = 0; i < 5; i++)
        {
            log.Append(Started($"vm{i}"));
        }

        var items = await FirstAsync(log.SubscribeAsync(1, fromOldestRetained: false, CancellationToken.None), 4);

        Assert.That(items[0].GapOldestRetained, Is.EqualTo(4UL));
        Assert.That(items.Skip(1).Take(2).Select(i => i.Event!.Sequence), Is.EqualTo(new ulong[] { 4, 5 }));
        Assert.That(items[3].IsCaughtUp, Is.True);
    }

    [Test]
    public async Task Cursor_zero_means_only_new_events_and_sequences_continue_after_a_restart()
    {
        var restarted = new EventLog(lastSequence: 41);
        restarted.Append(Started("old"));

        var items = await FirstAsync(restarted.SubscribeAsync(0, fromOldestRetained: false, CancellationToken.None), 1);
        var next = restarted.Append(Started("new"));

        Assert.That(items.Single().IsCaughtUp, Is.True);
        Assert.That(next.Sequence, Is.EqualTo(43UL));
    }

    [Test]
    public void Sequences_are_reserved_in_blocks_before_they_are_handed_out_and_a_restart_continues_above_the_reservation()
    {
        var reservations = new List<ulong>();
        ulong persisted = 0;
        ulong Reserve(ulong first)
        {
            reservations.Add(first);
            persisted = first + 9;
            return persisted;
        }
        var log = new EventLog(epoch: "e1", reserve: Reserve);

        var sequences = Enumerable.Range(0, 25).Select(i => log.Append(Started($"vm{i}")).Sequence).ToList();
        // A restart (crash or not) resumes from the persisted ceiling: no number is handed out twice.
        var restarted = new EventLog(lastSequence: persisted, epoch: "e1", reserve: Reserve);
        var afterRestart = restarted.Append(Started("again")).Sequence;

        Assert.That(sequences, Is.EqualTo(Enumerable.Range(1, 25).Select(i => (ulong)i)));
        Assert.That(reservations, Is.EqualTo(new ulong[] { 1, 11, 21, 31 }));
        Assert.That(afterRestart, Is.EqualTo(31UL));
        Assert.That(restarted.Epoch, Is.EqualTo("e1"));
    }

    [Test]
    public void A_failed_reservation_hands_out_nothing()
    {
        var log = new EventLog(reserve: _ => throw new IOException("disk full"));

        Assert.Throws<IOException>(() => log.Append(Started("a")));

        Assert.That(log.LatestSequence, Is.Zero);
    }

    [Test]
    public void Epochs_are_random_unless_given_and_the_oldest_retained_sequence_follows_the_window()
    {
        var log = new EventLog(retention: 2);
        Assert.That(log.OldestRetainedSequence, Is.EqualTo(1UL));
        for (var i = 0; i < 5; i++)
        {
            log.Append(Started($"vm{i}"));
        }

        Assert.That(log.OldestRetainedSequence, Is.EqualTo(4UL));
        Assert.That(log.Epoch, Has.Length.EqualTo(32).And.Not.EqualTo(new EventLog().Epoch));
        Assert.Throws<ArgumentException>(() => _ = new EventLog(epoch: ""));
    }

    [Test]
    public void A_cursor_from_the_future_is_refused()
    {
        var log = new EventLog();
        log.Append(Started("a"));

        var ex = Assert.ThrowsAsync<VirtException>(async () => await FirstAsync(log.SubscribeAsync(99, false, CancellationToken.None), 1));

        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
    }

    [Test]
    public async Task A_subscriber_that_falls_behind_its_window_is_dropped_with_a_typed_error()
    {
        var log = new EventLog(subscriberWindow: 3);
        await using var subscription = log.SubscribeAsync(0, false, CancellationToken.None).GetAsyncEnumerator();
        Assert.That(await subscription.MoveNextAsync(), Is.True);
        Assert.That(subscription.Current.IsCaughtUp, Is.True);

        for (var i = 0; i < 10; i++)
        {
            log.Append(Started($"vm{i}"));
        }
        var delivered = 0;
        var ex = Assert.ThrowsAsync<VirtException>(async () =>
        {
            while (await subscription.MoveNextAsync())
            {
                delivered++;
            }
        });

        Assert.That(delivered, Is.EqualTo(3));
        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.ResourceLimit));
        Assert.That(log.LatestSequence, Is.EqualTo(10UL), "the log itself never waits for a slow subscriber");
    }

    private static async Task<List<EventStreamItem>> FirstAsync(IAsyncEnumerable<EventStreamItem> stream, int count)
    {
        var items = new List<EventStreamItem>();
        await foreach (var item in stream)
        {
            items.Add(item);
            if (items.Count == count)
            {
                break;
            }
        }
        return items;
    }
}
