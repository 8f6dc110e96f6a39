using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Virt.Qemu.Qmp;

/// <summary>
/// The QMP wire protocol: one JSON object per line. It reads the greeting, negotiates capabilities, tags every
/// command with an id, matches replies to commands by id, turns <c>error</c> replies into <see cref="QmpException"/>,
/// and queues events in arrival order. It knows no command semantics; <see cref="QmpMonitor"/> does.
/// </summary>
public sealed class QmpConnection : IAsyncDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly IDisposable? _owner;
    // Set when a thread of the caller's reads (OpenOnThreadAsync): the socket, kept in blocking mode.
    private readonly Socket? _blockingSocket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Answered: called on the reading thread with whether QEMU's answer succeeded, before the reply's waiters run.
    private readonly ConcurrentDictionary<long, (string Command, TaskCompletionSource<JsonNode?> Reply, Action<bool>? Answered)> _pending = new();
    private readonly Channel<QmpEvent> _events;
    private readonly CancellationTokenSource _closing = new();
    private long _nextId;
    private int _closed;
    private Task _readLoop = Task.CompletedTask;

    private QmpConnection(Stream input, Stream output, IDisposable? owner, Socket? blockingSocket = null)
    {
        _input = input;
        _output = output;
        _owner = owner;
        _blockingSocket = blockingSocket;
        // On a reader thread of its own an event's reader continues on that thread, without a thread-pool hand-off.
        _events = Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = blockingSocket is not null });
    }

    /// <summary>QEMU's version from the greeting.</summary>
    public QemuVersion Version { get; private set; } = new(0, 0, 0, "");

    /// <summary>Events in arrival order; completes when the connection closes.</summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>Completes when the connection has closed, for any reason.</summary>
    public Task Completion => _readLoop;

    /// <summary>Connects to a QMP Unix socket and negotiates capabilities.</summary>
    public static async Task<QmpConnection> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        return await OpenAsync(stream, stream, stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects once QEMU has created and opened its monitor socket (QEMU creates it during start-up, so the first
    /// attempts may find nothing), retrying until <paramref name="timeout"/>.
    /// </summary>
    /// <param name="socketPath">The monitor socket.</param>
    /// <param name="timeout">How long to keep trying.</param>
    /// <param name="hasExited">Tells whether QEMU is gone, so that a failed start is reported at once; may be null.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="QmpDisconnectedException">QEMU exited first, or the socket never accepted a connection.</exception>
    public static async Task<QmpConnection> ConnectWhenReadyAsync(string socketPath, TimeSpan timeout, Func<bool>? hasExited, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        // QEMU usually opens the socket within tens of ms of starting: poll finely at first (a fixed 20 ms step cost
        // 10 ms of every start on average), then back off.
        var delay = 1;
        while (true)
        {
            if (hasExited?.Invoke() == true)
            {
                throw new QmpDisconnectedException($"QEMU exited before its monitor socket {socketPath} accepted a connection.");
            }
            try
            {
                return await ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new QmpDisconnectedException($"QEMU's monitor socket {socketPath} did not accept a connection within {timeout.TotalSeconds:0.#} s.", ex);
                }
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 20);
        }
    }

    /// <summary>Negotiates over an already open pair of streams (a socket, or QEMU's stdio with <c>-qmp stdio</c>).</summary>
    /// <param name="input">Where QEMU's messages arrive.</param>
    /// <param name="output">Where commands go.</param>
    /// <param name="owner">Disposed with the connection, or null.</param>
    /// <param name="cancellationToken">Cancels the negotiation.</param>
    public static Task<QmpConnection> OpenAsync(Stream input, Stream output, IDisposable? owner, CancellationToken cancellationToken) =>
        OpenAsync(input, output, owner, [], cancellationToken);

    /// <summary>
    /// Negotiates, and sends <paramref name="then"/> (commands without arguments) right behind <c>qmp_capabilities</c>
    /// without waiting for its answer: QEMU runs a connection's commands in order, so they reach its main loop together,
    /// one round trip for all instead of one each. Returns once every one has answered; an error in any fails the open.
    /// </summary>
    /// <param name="input">Where QEMU's messages arrive.</param>
    /// <param name="output">Where commands go.</param>
    /// <param name="owner">Disposed with the connection, or null.</param>
    /// <param name="then">The commands to send after <c>qmp_capabilities</c>, in order.</param>
    /// <param name="cancellationToken">Cancels the negotiation.</param>
    public static async Task<QmpConnection> OpenAsync(Stream input, Stream output, IDisposable? owner, IReadOnlyList<string> then, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(then);
        var connection = new QmpConnection(input, output, owner);
        try
        {
            var reader = new StreamReader(input, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            await connection.NegotiateAsync(reader.ReadLineAsync(cancellationToken).AsTask(), () => connection.ReadLoopAsync(reader), then, negotiated: null, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Negotiates over a connected Unix socket that nothing else uses, whose messages are read with blocking reads on
    /// a thread the caller gives (<paramref name="runReader"/> runs the read loop on it, once) instead of through .NET's
    /// socket engine and the thread pool: a message from QEMU then wakes that one thread, which also runs the
    /// <see cref="Events"/> reader's continuation. Commands are written with non-blocking sends, so the socket stays
    /// in blocking mode (an asynchronous call would move it to .NET's non-blocking mode, whose blocking receives wait
    /// on the socket engine's thread). The VMM worker reads its guest's monitor so: each message woke the engine's thread
    /// and two thread-pool workers, which on a destroy ran on the CPU that QEMU's exit needed (tools/bench/README.md).
    /// </summary>
    /// <param name="socket">The connected socket, in blocking mode; owned by the connection from now on.</param>
    /// <param name="runReader">Runs its argument on the reader thread.</param>
    /// <param name="then">The commands to send after <c>qmp_capabilities</c>, in order.</param>
    /// <param name="negotiated">
    /// Null, or what to run on the reader thread the moment QEMU has answered <c>qmp_capabilities</c> and every one of
    /// <paramref name="then"/> without an error, before anything waiting for the answers runs (they continue on the
    /// thread pool) and before the thread reads on. It must not throw. The VMM worker answers virtd's launch from it:
    /// a thread-pool worker woken for that waited behind the guest's vCPU thread, which <c>cont</c> had just set off on
    /// the same CPU, for a whole time slice (about 3 ms of a start, tools/bench/README.md). Once it has run, the open
    /// succeeds even if <paramref name="cancellationToken"/> is cancelled before the waiters see the answers.
    /// </param>
    /// <param name="cancellationToken">Cancels the negotiation.</param>
    public static async Task<QmpConnection> OpenOnThreadAsync(Socket socket, Action<Action> runReader, IReadOnlyList<string> then, Action? negotiated, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(runReader);
        ArgumentNullException.ThrowIfNull(then);
        var stream = new NetworkStream(socket, ownsSocket: true);
        var connection = new QmpConnection(stream, stream, null, socket);
        try
        {
            var greeting = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var loop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection._readLoop = loop.Task;
            runReader(() => connection.ReadOnThisThread(greeting, loop));
            await connection.NegotiateAsync(greeting.Task.WaitAsync(cancellationToken), startReadLoop: null, then, negotiated, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a command and returns its <c>return</c> value.</summary>
    /// <exception cref="QmpException">QEMU answered with an error.</exception>
    /// <exception cref="QmpDisconnectedException">The connection closed before the answer.</exception>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default) =>
        await (await SendAsync(command, arguments, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>
    /// Runs a command with <paramref name="file"/> attached to it (SCM_RIGHTS), as QMP's <c>getfd</c> and <c>add-fd</c>
    /// expect: QEMU keeps its own copy, the caller still owns <paramref name="file"/>. Needs a connection whose
    /// output is a Unix socket (a <see cref="NetworkStream"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection's output is not a socket.</exception>
    /// <exception cref="QmpException">QEMU answered with an error.</exception>
    /// <exception cref="QmpDisconnectedException">The connection closed before the answer.</exception>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, SafeFileHandle file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        var socket = (_output as NetworkStream)?.Socket
            ?? throw new InvalidOperationException($"'{command}' needs a file passed with it, and this QMP connection is not a socket.");
        return await (await SendAsync(command, arguments, cancellationToken, (socket, file)).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Writes a command (with a file attached, if any); the task it returns is its answer.</summary>
    private async Task<Task<JsonNode?>> SendAsync(string command, JsonObject? arguments, CancellationToken cancellationToken,
        (Socket Socket, SafeFileHandle File)? attached = null, Action<bool>? answered = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (command, reply, answered);
        // Pairs with the read loop's exchange: either it sees this command when it fails the pending ones, or we see it closed.
        if (Interlocked.CompareExchange(ref _closed, 0, 0) == 1)
        {
            _pending.TryRemove(id, out _);
            throw new QmpDisconnectedException($"The QMP connection is closed; '{command}' was not sent.");
        }
        try
        {
            var message = new JsonObject { ["execute"] = command, ["id"] = id };
            if (arguments is not null)
            {
                message["arguments"] = arguments;
            }
            await WriteLineAsync(message, attached, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _pending.TryRemove(id, out _);
            throw;
        }
        return AnswerAsync(id, reply.Task, cancellationToken);
    }

    private async Task<JsonNode?> AnswerAsync(long id, Task<JsonNode?> reply, CancellationToken cancellationToken)
    {
        try
        {
            return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            // Ends the reader thread's blocking read (a close alone does not wake a thread blocked on the socket).
            _blockingSocket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Not connected any more: the read has ended already.
        }
        await _input.DisposeAsync().ConfigureAwait(false);
        if (!ReferenceEquals(_input, _output))
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
        _owner?.Dispose();
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The loop ends with whatever the closed stream threw; the pending commands were already failed.
        }
        _writeLock.Dispose();
        _closing.Dispose();
    }

    /// <param name="greetingLine">The first line QEMU sends.</param>
    /// <param name="startReadLoop">Starts reading what follows it on the thread pool; null when a reader thread does already.</param>
    /// <param name="then">The commands to send after <c>qmp_capabilities</c>, in order.</param>
    /// <param name="negotiated">Null, or what to run on the reading thread once every command has succeeded (<see cref="OpenOnThreadAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the negotiation.</param>
    private async Task NegotiateAsync(Task<string?> greetingLine, Func<Task>? startReadLoop, IReadOnlyList<string> then, Action? negotiated, CancellationToken cancellationToken)
    {
        var line = await greetingLine.ConfigureAwait(false)
            ?? throw new QmpDisconnectedException("QEMU closed the monitor before sending its QMP greeting.");
        var greeting = ParseObject(line)["QMP"]?.AsObject()
            ?? throw new QmpDisconnectedException($"Expected a QMP greeting, got: {Truncate(line)}");
        Version = QemuVersion.FromQmp(greeting["version"]);
        if (startReadLoop is not null)
        {
            _readLoop = Task.Run(startReadLoop, CancellationToken.None);
        }
        string[] commands = ["qmp_capabilities", .. then];
        var allAnswered = false;
        Action<bool>? observe = null;
        if (negotiated is not null)
        {
            // QEMU answers in the order sent, all on the reading thread: the count reaches every command only with the
            // last answer, and never once one has failed.
            var succeeded = 0;
            observe = ok =>
            {
                if (ok && ++succeeded == commands.Length)
                {
                    Volatile.Write(ref allAnswered, true);
                    negotiated();
                }
            };
        }
        // Each line is written before the next: QEMU receives them in this order.
        var answers = new List<Task<JsonNode?>>();
        foreach (var command in commands)
        {
            answers.Add(await SendAsync(command, null, cancellationToken, answered: observe).ConfigureAwait(false));
        }
        // Every answer is waited for (and so observed), then the first failure in the order sent is reported: a refused
        // qmp_capabilities rather than what QEMU said to the rest after it (WhenAll's own order is the order of completion).
        try
        {
            await Task.WhenAll(answers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref allAnswered))
        {
            // Cancelled after QEMU had answered everything and negotiated had acted on it: that outcome stands.
        }
        catch (Exception) when (answers.FirstOrDefault(a => a.IsFaulted || a.IsCanceled) is { } first)
        {
            await first.ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReadLoopAsync(StreamReader reader)
    {
        Exception? failure = null;
        try
        {
            while (await reader.ReadLineAsync(_closing.Token).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    Dispatch(ParseObject(line));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or JsonException)
        {
            failure = ex;
        }
        finally
        {
            EndReading(reader, failure);
        }
    }

    /// <summary>
    /// <see cref="OpenOnThreadAsync"/>'s read loop, with blocking reads: the greeting to <paramref name="greeting"/>,
    /// then every message until the socket ends (QEMU closed it, or <see cref="DisposeAsync"/> shut it down).
    /// </summary>
    private void ReadOnThisThread(TaskCompletionSource<string?> greeting, TaskCompletionSource loop)
    {
        var reader = new StreamReader(_input, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        Exception? failure = null;
        try
        {
            if (greeting.TrySetResult(reader.ReadLine()))
            {
                while (reader.ReadLine() is { } line)
                {
                    if (line.Length > 0)
                    {
                        Dispatch(ParseObject(line));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or JsonException)
        {
            failure = ex;
            greeting.TrySetException(new QmpDisconnectedException("The QMP connection failed before QEMU's greeting.", ex));
        }
        finally
        {
            EndReading(reader, failure);
            loop.TrySetResult();
        }
    }

    /// <summary>The connection is closed: no more events, and every command still waiting fails.</summary>
    private void EndReading(StreamReader reader, Exception? failure)
    {
        reader.Dispose();
        Interlocked.Exchange(ref _closed, 1);
        _events.Writer.TryComplete();
        foreach (var (id, (command, reply, _)) in _pending)
        {
            reply.TrySetException(new QmpDisconnectedException($"The QMP connection closed before QEMU answered '{command}'.", failure));
            _pending.TryRemove(id, out _);
        }
    }

    private void Dispatch(JsonObject message)
    {
        if (message["event"]?.GetValue<string>() is { } eventName)
        {
            var data = message["data"] as JsonObject ?? [];
            message.Remove("data");
            _events.Writer.TryWrite(new QmpEvent(eventName, data, ReadTimestamp(message["timestamp"])));
            return;
        }
        if (message["id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var id) || !_pending.TryGetValue(id, out var pending))
        {
            // A reply to a command whose caller gave up (cancelled); nothing waits for it.
            return;
        }
        if (message["error"] is JsonObject error)
        {
            pending.Answered?.Invoke(false);
            pending.Reply.TrySetException(new QmpException(
                pending.Command,
                error["class"]?.GetValue<string>() ?? "GenericError",
                error["desc"]?.GetValue<string>() ?? "(no description)"));
        }
        else
        {
            var result = message["return"];
            message.Remove("return");
            // Before the reply wakes a thread-pool worker for its waiters: the observer's work goes out first.
            pending.Answered?.Invoke(true);
            pending.Reply.TrySetResult(result);
        }
    }

    private async Task WriteLineAsync(JsonObject message, (Socket Socket, SafeFileHandle File)? attached, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = 0;
            if (attached is { } pass)
            {
                // The descriptor rides on the command's first bytes, so it reaches QEMU before the command runs; under
                // the write lock, so no other command's bytes come between.
                sent = await NonBlockingSend.SendAsync(pass.Socket, bytes, pass.File, cancellationToken).ConfigureAwait(false);
            }
            if (_blockingSocket is not null)
            {
                while (sent < bytes.Length)
                {
                    sent += await NonBlockingSend.SendAsync(_blockingSocket, bytes.AsMemory(sent), null, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            await _output.WriteAsync(bytes.AsMemory(sent), cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new QmpDisconnectedException("The QMP connection is closed.", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static JsonObject ParseObject(string line) =>
        JsonNode.Parse(line) as JsonObject ?? throw new JsonException($"QMP sent something other than a JSON object: {Truncate(line)}");

    private static DateTimeOffset ReadTimestamp(JsonNode? timestamp)
    {
        var seconds = timestamp?["seconds"]?.GetValue<long>() ?? 0;
        var microseconds = timestamp?["microseconds"]?.GetValue<long>() ?? 0;
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(microseconds * 10);
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
