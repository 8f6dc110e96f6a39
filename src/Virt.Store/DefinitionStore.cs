using System.Text;

namespace Virt.Store;

/// <summary>
/// One directory of named documents (<c>NAME.xml</c>), each replaced atomically. A save that returned is durable; a
/// process killed at any instant leaves each document either old or new, never torn. Leftover temporary files from a
/// killed save are ignored and removed on load. Two ways to make a save durable (README.md has the argument):
/// <list type="bullet">
/// <item>plain: written to a temporary file in the same directory, fsync'ed, renamed over the old one, and the
/// directory fsync'ed (two flushes per save);</item>
/// <item>journaled: the change is first written to an intent journal beside the directory (<c>DIR.journal</c>) and
/// made durable with one data-only flush, then the file is replaced (temporary file, rename) without flushing; every
/// <see cref="CheckpointEvery"/> changes the files and the directory are flushed together and the journal starts
/// over. Opening the store replays what the journal holds, so an acknowledged save survives a crash at any instant.</item>
/// </list>
/// Saves of different documents may run concurrently (journaled ones share their flushes); saves of one document
/// must be serialised by the caller, as with any file.
/// </summary>
public sealed class DefinitionStore : IDisposable
{
    /// <summary>Journaled changes between two checkpoints.</summary>
    public const int CheckpointEvery = 256;

    private const string TempMarker = ".tmp-";

    // From this many files a checkpoint flushes the whole file system at once; below it, each file (so a clean stop
    // with a few changes does not wait for unrelated dirty data, such as guest images, on the same file system).
    private const int SyncFileSystemFrom = 16;

    private readonly string _directory;
    private readonly string _extension;
    private readonly DefinitionJournal? _journal;

    // Journaled mode. _appendLock orders appends (and so the journal's sequence) and checkpoints; _flushLock lets one
    // fdatasync cover every record written before it started (group commit). Positions count bytes appended since the
    // store opened, across checkpoints, so "durable up to" survives the journal starting over.
    private readonly Lock _appendLock = new();
    private readonly Lock _flushLock = new();
    // Async saves hand their change to a flusher thread of the store's own and wait without holding a thread: while
    // it is in fdatasync the thread pool goes on parsing and appending, and its next flush covers all of those.
    // Blocking each save's thread in its own flush left the thread pool (as many threads as CPUs) no thread to append
    // with: a 1,000-define storm with 32 in flight took 915 fdatasyncs. The flusher also replaces the files, so a
    // checkpoint waiting for changes in flight (holding the append lock that pool threads block on) never waits for
    // a pool thread. The flusher sleeps on an AutoResetEvent, not a SemaphoreSlim: SemaphoreSlim.Wait spins with
    // sched_yield before it blocks (14,000 yields in 500 sequential defines, a third of virtd's CPU there). The
    // flusher drains every waiter per wake, so signals that coalesce lose nothing.
    private readonly Lock _waitersLock = new();
    private readonly List<PendingChange> _waiters = [];
    private readonly AutoResetEvent _flushSignal = new(false);
    private Thread? _flusher;
    private volatile bool _closed;
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private long _appended;
    private long _durable;
    private readonly bool _flush;
    private int _inFlight;

    /// <param name="directory">Created (mode 0700) when missing.</param>
    /// <param name="extension">The documents' file extension, e.g. <c>.xml</c>.</param>
    /// <param name="journaled">
    /// Make saves durable through the intent journal <c>DIRECTORY.journal</c> (one flush per save) rather than two
    /// flushes each; the journal is replayed here.
    /// </param>
    /// <param name="flush">
    /// False for runtime files that only need to survive a crash of a process, never of the machine (virtd's run
    /// directory: after a reboot no guest runs either): saves stay atomic (temporary file, rename) but flush nothing.
    /// </param>
    public DefinitionStore(string directory, string extension = ".xml", bool journaled = false, bool flush = true)
    {
        _flush = flush || journaled;
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        _extension = extension;
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (journaled)
        {
            _journal = DefinitionJournal.Open(_directory + ".journal", DefinitionJournal.DefaultCapacity, out var pending);
            try
            {
                Replay(pending);
            }
            catch
            {
                _journal.Dispose();
                throw;
            }
        }
    }

    /// <summary>The directory holding the documents.</summary>
    public string DirectoryPath => _directory;

    /// <summary>The intent journal's path, or null for a plain store.</summary>
    public string? JournalPath => _journal?.Path;

    /// <summary>Saves a document durably; when this returns, a crash cannot lose it.</summary>
    public Task SaveAsync(string name, string content, CancellationToken cancellationToken)
    {
        // Synchronous up to the journal's flush, which is awaited: the rest is a few system calls on the page cache.
        cancellationToken.ThrowIfCancellationRequested();
        if (_journal is not null)
        {
            return JournaledChangeAsync(DefinitionJournal.RecordKind.Save, name, PathFor(name), Encoding.UTF8.GetBytes(content));
        }
        Save(name, content);
        return Task.CompletedTask;
    }

    /// <summary>
    /// <see cref="SaveAsync"/> for callers that must write under a lock, where awaiting is not possible (the event
    /// log's sequence reservation).
    /// </summary>
    public void Save(string name, string content)
    {
        var target = PathFor(name);
        if (_journal is not null)
        {
            JournaledChange(DefinitionJournal.RecordKind.Save, name, target, Encoding.UTF8.GetBytes(content));
            return;
        }
        Replace(target, Encoding.UTF8.GetBytes(content), _flush);
        if (_flush)
        {
            NativeMethods.FsyncDirectory(_directory);
        }
    }

    /// <summary>Removes a document durably; removing a missing one is not an error.</summary>
    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = PathFor(name);
        if (File.Exists(target))
        {
            if (_journal is not null)
            {
                return JournaledChangeAsync(DefinitionJournal.RecordKind.Delete, name, target, []);
            }
            File.Delete(target);
            if (_flush)
            {
                NativeMethods.FsyncDirectory(_directory);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Reads one document, or null when there is none.</summary>
    public async Task<string?> TryLoadAsync(string name, CancellationToken cancellationToken)
    {
        var target = PathFor(name);
        return File.Exists(target) ? await File.ReadAllTextAsync(target, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Every document, by name, after removing temporary files that a killed save left behind.</summary>
    public async Task<IReadOnlyList<(string Name, string Content)>> LoadAllAsync(CancellationToken cancellationToken)
    {
        var documents = new List<(string, string)>();
        foreach (var file in Directory.EnumerateFiles(_directory).Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            if (fileName.Contains(TempMarker, StringComparison.Ordinal))
            {
                File.Delete(file);
                continue;
            }
            if (fileName.EndsWith(_extension, StringComparison.Ordinal))
            {
                documents.Add((fileName[..^_extension.Length], await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)));
            }
        }
        return documents;
    }

    /// <summary>
    /// Flushes every document changed since the last checkpoint and the directory, then starts the journal over
    /// (journaled stores; a plain store has nothing to do). Runs by itself every <see cref="CheckpointEvery"/> changes.
    /// </summary>
    public void Checkpoint()
    {
        if (_journal is null)
        {
            return;
        }
        lock (_appendLock)
        {
            CheckpointLocked();
        }
    }

    /// <summary>Checkpoints (so the next start replays nothing) and closes the journal.</summary>
    public void Dispose()
    {
        if (_journal is null)
        {
            return;
        }
        lock (_appendLock)
        {
            CheckpointLocked();
            _journal.Dispose();
        }
        _closed = true;
        _flushSignal.Set();
    }

    /// <summary>
    /// A journaled save or delete: the record is appended and made durable (possibly by another caller's flush) before
    /// the file is touched, so that a file is only ever replaced by content the journal can restore.
    /// </summary>
    private void JournaledChange(DefinitionJournal.RecordKind kind, string name, string target, byte[] content)
    {
        if (Append(kind, name, target, content) is not { } position)
        {
            return;
        }
        try
        {
            FlushTo(position);
            Apply(kind, target, content);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary><see cref="JournaledChange"/>, awaiting the flush instead of blocking in it.</summary>
    private Task JournaledChangeAsync(DefinitionJournal.RecordKind kind, string name, string target, byte[] content)
    {
        if (Append(kind, name, target, content) is not { } position)
        {
            return Task.CompletedTask;
        }
        var change = new PendingChange(position, kind, target, content, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_waitersLock)
        {
            _waiters.Add(change);
            if (_waiters.Count == 1)
            {
                _flusher ??= StartFlusher();
                _flushSignal.Set();
            }
        }
        return change.Done.Task;
    }

    /// <summary>
    /// Appends a change's record and counts it in flight; returns where it ends, or null when the change was larger
    /// than the whole journal and has been written the plain durable way instead.
    /// </summary>
    private long? Append(DefinitionJournal.RecordKind kind, string name, string target, byte[] content)
    {
        var journal = _journal!;
        var recordSize = DefinitionJournal.RecordSize(name, content.Length);
        lock (_appendLock)
        {
            if (journal.Count >= CheckpointEvery || !journal.Fits(recordSize))
            {
                CheckpointLocked();
            }
            if (!journal.Fits(recordSize))
            {
                // Checkpointed above, so the plain durable write keeps the order.
                if (kind == DefinitionJournal.RecordKind.Save)
                {
                    WriteDurably(target, content);
                }
                else
                {
                    File.Delete(target);
                    NativeMethods.FsyncDirectory(_directory);
                }
                return null;
            }
            journal.Append(kind, name, content);
            var position = Interlocked.Add(ref _appended, recordSize);
            _dirty.Add(name);
            Interlocked.Increment(ref _inFlight);
            return position;
        }
    }

    /// <summary>Replaces or removes the document's file once its record is durable (no flush: the journal has it).</summary>
    private static void Apply(DefinitionJournal.RecordKind kind, string target, byte[] content)
    {
        if (kind == DefinitionJournal.RecordKind.Save)
        {
            Replace(target, content, flush: false);
        }
        else
        {
            File.Delete(target);
        }
    }

    private Thread StartFlusher()
    {
        var thread = new Thread(FlushPendingChanges) { IsBackground = true, Name = "store flusher" };
        thread.Start();
        return thread;
    }

    /// <summary>The flusher thread: one flush for every change handed over since the last, then their files.</summary>
    private void FlushPendingChanges()
    {
        while (true)
        {
            _flushSignal.WaitOne();
            if (_closed)
            {
                return;
            }
            while (true)
            {
                List<PendingChange> batch;
                lock (_waitersLock)
                {
                    if (_waiters.Count == 0)
                    {
                        break;
                    }
                    batch = [.. _waiters];
                    _waiters.Clear();
                }
                Exception? flushFailed = null;
                try
                {
                    FlushTo(batch.Max(c => c.Position));
                }
                catch (Exception error)
                {
                    flushFailed = error;
                }
                foreach (var change in batch)
                {
                    try
                    {
                        if (flushFailed is not null)
                        {
                            change.Done.TrySetException(flushFailed);
                            continue;
                        }
                        Apply(change.Kind, change.Target, change.Content);
                        change.Done.TrySetResult();
                    }
                    catch (Exception error)
                    {
                        change.Done.TrySetException(error);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }
                }
            }
        }
    }

    /// <summary>Returns once every record up to <paramref name="position"/> is durable; one flush serves all waiting.</summary>
    private void FlushTo(long position)
    {
        lock (_flushLock)
        {
            if (Interlocked.Read(ref _durable) >= position)
            {
                return;
            }
            // Not under _appendLock (a checkpoint holding it waits for this call): _appended only grows after its
            // record is written, so every byte up to it is in the file when the flush starts.
            var written = Interlocked.Read(ref _appended);
            _journal!.Flush();
            AdvanceDurable(written);
        }
    }

    /// <summary>Under _appendLock: makes every change since the last checkpoint durable in the files, then starts the journal over.</summary>
    private void CheckpointLocked()
    {
        var journal = _journal!;
        // Changes whose record is durable may still be replacing their file; new ones cannot start (we hold the lock).
        var spin = new SpinWait();
        while (Volatile.Read(ref _inFlight) > 0)
        {
            spin.SpinOnce();
        }
        if (_dirty.Count == 0 && journal.Count == 0 && journal.End > 0)
        {
            return;
        }
        var files = _dirty.Select(PathFor).Where(File.Exists).ToList();
        if (files.Count >= SyncFileSystemFrom)
        {
            // One syncfs instead of an fsync per file: each fsync waits for its own device flush (256 of them took
            // 180-200 ms on this machine's disk, one syncfs 2.5 ms), and defines wait behind the checkpoint.
            NativeMethods.SyncFileSystem(_directory);
        }
        else
        {
            // Start write-back of all the files at once, then wait for each: the file system commits them together.
            foreach (var file in files)
            {
                NativeMethods.StartWriteBack(file);
            }
            foreach (var file in files)
            {
                NativeMethods.FsyncFile(file);
            }
            NativeMethods.FsyncDirectory(_directory);
        }
        journal.StartGeneration();
        _dirty.Clear();
        // Everything appended before is in the files now.
        AdvanceDurable(Interlocked.Read(ref _appended));
    }

    private void AdvanceDurable(long position)
    {
        var current = Interlocked.Read(ref _durable);
        while (position > current)
        {
            var seen = Interlocked.CompareExchange(ref _durable, position, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>Applies the changes a journal still held (the last run did not checkpoint them) and checkpoints.</summary>
    private void Replay(IReadOnlyList<DefinitionJournal.Change> pending)
    {
        foreach (var change in pending)
        {
            var target = PathFor(change.Name);
            if (change.Kind == DefinitionJournal.RecordKind.Save)
            {
                Replace(target, change.Content, flush: false);
            }
            else
            {
                File.Delete(target);
            }
            _dirty.Add(change.Name);
        }
        lock (_appendLock)
        {
            CheckpointLocked();
        }
    }

    /// <summary>The plain durable replace: temporary file, fsync, rename, fsync of the directory.</summary>
    private void WriteDurably(string target, byte[] content)
    {
        Replace(target, content, flush: true);
        NativeMethods.FsyncDirectory(_directory);
    }

    /// <summary>Writes a temporary file (fsync'ed when <paramref name="flush"/>) and renames it over <paramref name="target"/>.</summary>
    private static void Replace(string target, byte[] content, bool flush)
    {
        var temp = target + TempMarker + Guid.NewGuid().ToString("N")[..12];
        try
        {
            // Shared, not FileShare.None: no exclusive lock to take and drop (the name is new, O_EXCL). virtd turns
            // .NET's implicit locks off altogether (Virt.Daemon.csproj), saving the shared one's flock call as well.
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(content);
                if (flush)
                {
                    stream.Flush(flushToDisk: true);
                }
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The file of a document; the name must be a plain file name, so it cannot escape the directory.</summary>
    private string PathFor(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || name.StartsWith('.') || name.Contains(TempMarker, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' cannot be stored: a name may not contain '/', NUL or '{TempMarker}', nor start with '.'.", nameof(name));
        }
        return Path.Combine(_directory, name + _extension);
    }

    /// <summary>A change whose record is appended, waiting for the flush that makes it durable and then for its file.</summary>
    private sealed record PendingChange(long Position, DefinitionJournal.RecordKind Kind, string Target, byte[] Content, TaskCompletionSource Done);
}
