using System.Text;

namespace Virt.Testing;

/// <summary>A line matched by <see cref="ConsoleLines.WaitForLineAsync"/>, with its position in the log.</summary>
public readonly record struct ConsoleLine(int Index, string Text);

/// <summary>
/// A growing, thread-safe log of text lines (a serial console, a process's stderr) that tests can wait on.
/// Waits fail at once when the source ends, so a guest that died is reported with its last words instead
/// of after a long timeout.
/// </summary>
public sealed class ConsoleLines
{
    private const int TailLinesInErrors = 40;

    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<Waiter> _waiters = [];
    private bool _completed;

    public ConsoleLines(string name)
    {
        Name = name;
    }

    /// <summary>What the lines are, for error messages ("serial console of qemu 1234").</summary>
    public string Name { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    public void Add(string line)
    {
        lock (_gate)
        {
            if (_completed)
            {
                throw new InvalidOperationException($"{Name} has already ended");
            }
            _lines.Add(line);
            var index = _lines.Count - 1;
            // Completions run their continuations asynchronously, so completing under the lock is safe.
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (index >= waiter.FromIndex && waiter.Predicate(line))
                {
                    _waiters.RemoveAt(i);
                    waiter.Completion.TrySetResult(new ConsoleLine(index, line));
                }
            }
        }
    }

    /// <summary>Marks the source as ended (the process exited); pending and later waits fail.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            var error = new InvalidOperationException($"{Name} ended before a matching line appeared.\n{TailLocked()}");
            foreach (var waiter in _waiters)
            {
                waiter.Completion.TrySetException(error);
            }
            _waiters.Clear();
        }
    }

    /// <summary>
    /// Returns the first line at or after <paramref name="fromIndex"/> that matches, waiting for it up to
    /// <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="TimeoutException">No such line within the timeout; the message holds the log's tail.</exception>
    public async Task<ConsoleLine> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken, int fromIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        Waiter waiter;
        lock (_gate)
        {
            for (var i = fromIndex; i < _lines.Count; i++)
            {
                if (predicate(_lines[i]))
                {
                    return new ConsoleLine(i, _lines[i]);
                }
            }
            if (_completed)
            {
                throw new InvalidOperationException($"{Name} ended before a matching line appeared.\n{TailLocked()}");
            }
            waiter = new Waiter(predicate, fromIndex);
            _waiters.Add(waiter);
        }
        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no matching line in {Name} within {timeout}.\n{Tail()}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/>.</summary>
    public Task<ConsoleLine> WaitForTextAsync(string text, TimeSpan timeout, CancellationToken cancellationToken, int fromIndex = 0) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), timeout, cancellationToken, fromIndex);

    /// <summary>The last lines, for failure messages.</summary>
    public string Tail()
    {
        lock (_gate)
        {
            return TailLocked();
        }
    }

    private string TailLocked()
    {
        var text = new StringBuilder();
        text.Append("--- last lines of ").Append(Name).AppendLine(" ---");
        foreach (var line in _lines.Skip(Math.Max(0, _lines.Count - TailLinesInErrors)))
        {
            text.AppendLine(line);
        }
        return text.Append("--- end ---").ToString();
    }

    private sealed class Waiter(Func<string, bool> predicate, int fromIndex)
    {
        public Func<string, bool> Predicate { get; } = predicate;

        public int FromIndex { get; } = fromIndex;

        public TaskCompletionSource<ConsoleLine> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
