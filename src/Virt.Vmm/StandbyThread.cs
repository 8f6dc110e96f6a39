namespace Virt.Vmm;

/// <summary>
/// A dedicated thread started before it has work (by a spare worker, while it waits for its launch spec), which runs
/// one piece of work when it is given it. Starting a thread was on every launch's path: the exit watcher's and the
/// control accept loop's, after QEMU's <c>cont</c>. A thread's start waits for the new thread to run (NativeAOT's
/// <c>Thread.Start</c> yields until it does), which on a busy 2-CPU host took a tenth of a millisecond to a
/// millisecond or more each (tools/bench/README.md); handing a waiting thread its work is one wake-up.
/// </summary>
internal sealed class StandbyThread
{
    private readonly Thread _thread;
    private readonly object _gate = new();
    private Action? _work;
    private int _threadId;

    public StandbyThread(string name)
    {
        _thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Runs <paramref name="work"/> on this thread; once only.</summary>
    public void Give(Action work)
    {
        if (!TryGive(work))
        {
            throw new InvalidOperationException($"the thread '{_thread.Name}' already has its work");
        }
    }

    /// <summary>Lets the thread end without running anything, unless it has its work already.</summary>
    public void Dismiss() => TryGive(() => { });

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>
    /// Lets the thread run only when nothing else wants a CPU (<paramref name="idle"/>), or as any other thread again:
    /// for a thread whose wake-ups would take a CPU from work that matters more for a while.
    /// </summary>
    public void RunWhenIdle(bool idle)
    {
        if (Volatile.Read(ref _threadId) is not 0 and var threadId)
        {
            Native.RunThreadWhenIdle(threadId, idle);
        }
    }

    private bool TryGive(Action work)
    {
        lock (_gate)
        {
            if (_work is not null)
            {
                return false;
            }
            _work = work;
            Monitor.Pulse(_gate);
            return true;
        }
    }

    private void Run()
    {
        Volatile.Write(ref _threadId, Native.CurrentThreadId());
        Action work;
        lock (_gate)
        {
            while (_work is null)
            {
                Monitor.Wait(_gate);
            }
            work = _work;
        }
        work();
    }
}
