using System.Threading.Channels;

namespace Virt.Driver;

/// <summary>
/// The event feed with a resume cursor. Events get increasing sequence numbers; the last <c>retention</c> are kept, so
/// a subscriber that reconnects with the last sequence it processed receives everything after it that is still
/// retained, then a <see cref="EventStreamItem.CaughtUp"/> marker, then live events. When its cursor is older than
/// what is retained, the stream opens with a <see cref="EventStreamItem.GapOldestRetained"/> item so the client knows to re-list.
/// A subscriber that falls more than its window behind is dropped with <see cref="VirtErrorReason.ResourceLimit"/>
/// rather than slowing everyone down; it resumes from its cursor.
/// Sequences are unique within an <see cref="Epoch"/>: a daemon that persists both (and reserves numbers through the
/// <c>reserve</c> hook before handing them out) never repeats a number across restarts.
/// </summary>
public sealed class EventLog
{
    private readonly int _retention;
    private readonly int _subscriberWindow;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly Queue<LoggedEvent> _retained = new();
    private readonly List<Channel<EventStreamItem>> _subscribers = [];
    private readonly Func<ulong, ulong>? _reserve;
    private ulong _lastSequence;
    private ulong _reservedThrough;

    /// <param name="retention">How many events to keep for resuming subscribers.</param>
    /// <param name="lastSequence">The last sequence handed out before (persisted across daemon restarts), so numbers never repeat.</param>
    /// <param name="subscriberWindow">How many undelivered events a subscriber may have before it is dropped.</param>
    /// <param name="clock">Time source, replaceable in tests.</param>
    /// <param name="epoch">Names this numbering; it changes only when the log is reset (sequences restart). Null: a new random one.</param>
    /// <param name="reserve">
    /// Persists sequence numbers before they are handed out, so that a restart never repeats one: called under the
    /// log's lock with the first sequence beyond the last reservation, it makes a ceiling at least that high durable
    /// and returns it; numbers up to the ceiling are then handed out without calling it again. The caller restarts the
    /// log from the persisted ceiling (<paramref name="lastSequence"/>). Null: nothing is persisted.
    /// </param>
    public EventLog(int retention = 10_000, ulong lastSequence = 0, int subscriberWindow = 4_096, TimeProvider? clock = null, string? epoch = null, Func<ulong, ulong>? reserve = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subscriberWindow, 1);
        if (epoch is { Length: 0 })
        {
            throw new ArgumentException("An epoch names the numbering; it cannot be empty.", nameof(epoch));
        }
        _retention = retention;
        _lastSequence = lastSequence;
        _subscriberWindow = subscriberWindow;
        _clock = clock ?? TimeProvider.System;
        Epoch = epoch ?? Guid.NewGuid().ToString("N");
        _reserve = reserve;
        _reservedThrough = reserve is null ? ulong.MaxValue : lastSequence;
    }

    /// <summary>Names this numbering: sequences are unique and increasing within one epoch.</summary>
    public string Epoch { get; }

    /// <summary>The sequence of the oldest retained event; <see cref="LatestSequence"/> + 1 when none is retained.</summary>
    public ulong OldestRetainedSequence
    {
        get
        {
            lock (_lock)
            {
                return _retained.Count > 0 ? _retained.Peek().Sequence : _lastSequence + 1;
            }
        }
    }

    /// <summary>The sequence of the newest event (0 when none ever was).</summary>
    public ulong LatestSequence
    {
        get
        {
            lock (_lock)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>Appends an event, delivers it to live subscribers, and returns it with its sequence.</summary>
    public LoggedEvent Append(VirtEvent virtEvent)
    {
        ArgumentNullException.ThrowIfNull(virtEvent);
        lock (_lock)
        {
            var logged = new LoggedEvent(NextSequence(), _clock.GetUtcNow(), virtEvent);
            _retained.Enqueue(logged);
            while (_retained.Count > _retention)
            {
                _retained.Dequeue();
            }
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(EventStreamItem.Of(logged)))
                {
                    _subscribers[i].Writer.TryComplete(new VirtException(
                        VirtErrorReason.ResourceLimit,
                        $"The event subscriber fell more than {_subscriberWindow} events behind and was disconnected; resume from the last sequence it processed."));
                    _subscribers.RemoveAt(i);
                }
            }
            return logged;
        }
    }

    /// <summary>
    /// Delivers a live-only event (job progress): it gets a sequence, so it orders with the rest, but it is neither
    /// retained nor replayed, and a subscriber with no room for it simply misses it (the next one supersedes it).
    /// </summary>
    public LoggedEvent AppendLive(VirtEvent virtEvent)
    {
        ArgumentNullException.ThrowIfNull(virtEvent);
        lock (_lock)
        {
            var logged = new LoggedEvent(NextSequence(), _clock.GetUtcNow(), virtEvent);
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(EventStreamItem.Of(logged));
            }
            return logged;
        }
    }

    private ulong NextSequence()
    {
        var sequence = _lastSequence + 1;
        if (sequence > _reservedThrough)
        {
            var ceiling = _reserve!(sequence);
            if (ceiling < sequence)
            {
                throw new InvalidOperationException($"The sequence reservation returned {ceiling}, below the sequence {sequence} it was asked for.");
            }
            _reservedThrough = ceiling;
        }
        _lastSequence = sequence;
        return sequence;
    }

    /// <summary>
    /// Streams events after <paramref name="afterSequence"/> (0: only new ones, unless <paramref name="fromOldestRetained"/>).
    /// Registration and replay happen under one lock, so no event falls between the replay and the live stream.
    /// </summary>
    public async IAsyncEnumerable<EventStreamItem> SubscribeAsync(
        ulong afterSequence,
        bool fromOldestRetained,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<EventStreamItem>(new BoundedChannelOptions(_subscriberWindow)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        List<EventStreamItem> replay = [];
        lock (_lock)
        {
            var oldest = _retained.Count > 0 ? _retained.Peek().Sequence : _lastSequence + 1;
            var cursor = fromOldestRetained ? oldest - 1 : afterSequence == 0 ? _lastSequence : afterSequence;
            if (cursor > _lastSequence)
            {
                throw new VirtException(VirtErrorReason.InvalidArgument,
                    $"Event cursor {cursor} is ahead of the newest event {_lastSequence}; resume from a sequence this daemon sent.",
                    new Dictionary<string, string> { ["afterSequence"] = cursor.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
            if (cursor + 1 < oldest)
            {
                replay.Add(EventStreamItem.GapBefore(oldest));
            }
            replay.AddRange(_retained.Where(e => e.Sequence > cursor).Select(EventStreamItem.Of));
            replay.Add(EventStreamItem.CaughtUp);
            _subscribers.Add(channel);
        }
        try
        {
            foreach (var item in replay)
            {
                yield return item;
            }
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}

/// <summary>One item of a subscription: an event, or a marker.</summary>
public sealed record EventStreamItem
{
    private EventStreamItem()
    {
    }

    /// <summary>Marks the end of the replay: what follows is live.</summary>
    public static EventStreamItem CaughtUp { get; } = new() { IsCaughtUp = true };

    /// <summary>The event, when this item is one.</summary>
    public LoggedEvent? Event { get; private init; }

    /// <summary>Set when events before this sequence were no longer retained: the subscriber missed some.</summary>
    public ulong? GapOldestRetained { get; private init; }

    public bool IsCaughtUp { get; private init; }

    public static EventStreamItem Of(LoggedEvent logged) => new() { Event = logged };

    public static EventStreamItem GapBefore(ulong oldestRetained) => new() { GapOldestRetained = oldestRetained };
}
