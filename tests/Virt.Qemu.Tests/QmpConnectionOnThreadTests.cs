using System.Net.Sockets;
using Virt.Qemu.Qmp;
using Virt.Testing;

namespace Virt.Qemu.Tests;

/// <summary>
/// <see cref="QmpConnection.OpenOnThreadAsync"/> (how the VMM worker reads its guest's monitor) against the scripted
/// peer: what it reads arrives on the given thread, and the socket never leaves blocking mode.
/// </summary>
public sealed class QmpConnectionOnThreadTests
{
    [Test]
    public async Task Events_continue_their_reader_on_the_reader_thread_and_the_socket_stays_blocking()
    {
        await using var server = new FakeQmpServer((_, command) => [FakeQmpServer.Reply(command, """{"status": "running"}""")]);
        var socket = ConnectBlocking(server.SocketPath);
        var reader = new ReaderThread();
        await using var connection = await QmpConnection.OpenOnThreadAsync(socket, reader.Run, ["cont"], negotiated: null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        var status = await connection.ExecuteAsync("query-status").WaitAsync(TimeSpan.FromSeconds(10));
        // Waiting before the event is sent: whoever completes the wait runs this continuation (it asks for that).
        var continuedOn = connection.Events.WaitToReadAsync().AsTask().ContinueWith(
            _ => Thread.CurrentThread.Name, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await server.SendEventAsync("STOP");

        Assert.That(status!["status"]!.GetValue<string>(), Is.EqualTo("running"));
        Assert.That(server.Received.Select(c => c["execute"]!.GetValue<string>()), Is.EqualTo(new[] { "qmp_capabilities", "cont", "query-status" }));
        Assert.That(await continuedOn.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ReaderThread.Name), "the event's reader continued on the reader thread, with no thread-pool hand-off");
        Assert.That(connection.Events.TryRead(out var stop) ? stop.Name : null, Is.EqualTo("STOP"));
        Assert.That(IsNonBlocking(socket), Is.False, "writing commands left the socket in blocking mode");
    }

    [Test]
    public async Task Negotiated_runs_once_on_the_reader_thread_when_every_command_is_answered()
    {
        await using var server = new FakeQmpServer((_, command) => [FakeQmpServer.Reply(command)]);
        var reader = new ReaderThread();
        var ranOn = new List<string?>();

        await using var connection = await QmpConnection.OpenOnThreadAsync(ConnectBlocking(server.SocketPath), reader.Run, ["cont"],
            () => ranOn.Add(Thread.CurrentThread.Name), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(ranOn, Is.EqualTo(new[] { ReaderThread.Name }), "negotiated ran once, on the thread that read cont's answer");
        Assert.That(server.Received.Select(c => c["execute"]!.GetValue<string>()), Is.EqualTo(new[] { "qmp_capabilities", "cont" }));
    }

    [Test]
    public async Task Negotiated_does_not_run_when_qemu_refuses_a_command()
    {
        await using var server = new FakeQmpServer((name, command) =>
            [name == "cont" ? FakeQmpServer.Error(command, "GenericError", "migration is in progress") : FakeQmpServer.Reply(command)]);
        var reader = new ReaderThread();
        var ran = 0;

        var refused = Assert.CatchAsync<QmpException>(async () => await QmpConnection.OpenOnThreadAsync(ConnectBlocking(server.SocketPath), reader.Run, ["cont"],
            () => Interlocked.Increment(ref ran), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.That(refused!.Message, Does.Contain("migration is in progress"));
        Assert.That(ran, Is.Zero, "nothing acted on a negotiation that failed");
        Assert.That(reader.Thread!.Join(TimeSpan.FromSeconds(10)), Is.True, "the failed open closed the connection and its reader ended");
    }

    [Test]
    public async Task Disposing_ends_the_read_that_the_reader_thread_is_blocked_in()
    {
        await using var server = new FakeQmpServer((name, command) => name == "query-status" ? [] : [FakeQmpServer.Reply(command)]);
        var reader = new ReaderThread();
        var connection = await QmpConnection.OpenOnThreadAsync(ConnectBlocking(server.SocketPath), reader.Run, [], negotiated: null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var pending = connection.ExecuteAsync("query-status");
        await WaitForAsync(() => server.Received.Count == 2);

        await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(reader.Thread!.Join(TimeSpan.FromSeconds(10)), Is.True, "the reader thread ended");
        Assert.That(connection.Completion.IsCompleted, Is.True);
        Assert.ThrowsAsync<QmpDisconnectedException>(async () => await pending);
    }

    [Test]
    public async Task A_peer_that_never_greets_fails_the_open_when_it_is_cancelled_and_the_reader_ends()
    {
        var directory = Directory.CreateTempSubdirectory("virt-qmp-silent-").FullName;
        try
        {
            var path = Path.Combine(directory, "qmp.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var socket = ConnectBlocking(path);
            using var silent = listener.Accept();
            var reader = new ReaderThread();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

            Assert.CatchAsync<OperationCanceledException>(async () => await QmpConnection.OpenOnThreadAsync(socket, reader.Run, [], negotiated: null, timeout.Token));

            Assert.That(reader.Thread!.Join(TimeSpan.FromSeconds(10)), Is.True, "the reader thread, blocked waiting for the greeting, ended");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A connected socket that no asynchronous call has touched, so it is still in blocking mode.</summary>
    private static Socket ConnectBlocking(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>O_NONBLOCK on the descriptor itself, from the kernel's own account (/proc/self/fdinfo).</summary>
    private static bool IsNonBlocking(Socket socket)
    {
        var flags = File.ReadLines($"/proc/self/fdinfo/{socket.Handle}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 0x800) != 0;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not reached within 5 s");
            await Task.Delay(5);
        }
    }

    private sealed class ReaderThread
    {
        public const string Name = "qmp read (test)";

        public Thread? Thread { get; private set; }

        public void Run(Action work)
        {
            Thread = new Thread(() => work()) { IsBackground = true, Name = Name };
            Thread.Start();
        }
    }
}
