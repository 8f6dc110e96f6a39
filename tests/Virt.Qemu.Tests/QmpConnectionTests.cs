using System.Net.Sockets;
using System.Text.Json.Nodes;
using Virt.Qemu.Qmp;
using Virt.Testing;

namespace Virt.Qemu.Tests;

/// <summary>The QMP wire layer against a scripted peer that replays QEMU 7.2's replies.</summary>
public sealed class QmpConnectionTests
{
    [Test]
    public async Task Negotiates_capabilities_and_reads_the_version_from_the_greeting()
    {
        await using var server = new FakeQmpServer((_, _) => []);
        await using var connection = await QmpConnection.ConnectAsync(server.SocketPath, CancellationToken.None);

        Assert.That(connection.Version.ToString(), Is.EqualTo("7.2.22"));
        Assert.That(connection.Version.Package, Does.StartWith("Debian 1:7.2"));
        Assert.That(server.Received.Single()["execute"]!.GetValue<string>(), Is.EqualTo("qmp_capabilities"));
    }

    [Test]
    public async Task Replies_are_matched_to_commands_by_id_even_out_of_order()
    {
        JsonObject? held = null;
        await using var server = new FakeQmpServer((name, command) =>
        {
            if (name == "first")
            {
                held = command;
                return [];
            }
            // Answer the second command, then the first: QEMU answers in order, but out-of-band commands need not.
            return [FakeQmpServer.Reply(command, """{"which": "second"}"""), FakeQmpServer.Reply(held!, """{"which": "first"}""")];
        });
        await using var connection = await QmpConnection.ConnectAsync(server.SocketPath, CancellationToken.None);

        var first = connection.ExecuteAsync("first");
        await WaitForAsync(() => held is not null);
        var second = await connection.ExecuteAsync("second");

        Assert.That(second!["which"]!.GetValue<string>(), Is.EqualTo("second"));
        Assert.That((await first)!["which"]!.GetValue<string>(), Is.EqualTo("first"));
    }

    [Test]
    public async Task An_error_reply_becomes_a_typed_exception()
    {
        await using var server = new FakeQmpServer((name, command) =>
            [FakeQmpServer.Error(command, "CommandNotFound", $"The command {name} has not been found")]);
        await using var connection = await QmpConnection.ConnectAsync(server.SocketPath, CancellationToken.None);

        var ex = Assert.ThrowsAsync<QmpException>(async () => await connection.ExecuteAsync("nonexistent"));

        Assert.That(ex!.ErrorClass, Is.EqualTo("CommandNotFound"));
        Assert.That(ex.Command, Is.EqualTo("nonexistent"));
        Assert.That(ex.Message, Does.Contain("The command nonexistent has not been found"));
    }

    [Test]
    public async Task Events_are_dispatched_in_order_through_the_typed_table()
    {
        await using var server = new FakeQmpServer((_, command) => [FakeQmpServer.Reply(command)]);
        await using var monitor = new QmpMonitor(await QmpConnection.ConnectAsync(server.SocketPath, CancellationToken.None));
        var seen = new List<string>();
        var shutdown = new TaskCompletionSource<QmpShutdownEvent>();
        monitor.Stopped += (_, _) => seen.Add("stopped");
        monitor.Resumed += (_, _) => seen.Add("resumed");
        monitor.Shutdown += (_, e) => shutdown.TrySetResult(e);
        monitor.EventReceived += (_, e) => seen.Add("raw:" + e.Name);

        await server.SendEventAsync("STOP");
        await server.SendEventAsync("RESUME");
        await server.SendEventAsync("SHUTDOWN", """{"guest": true, "reason": "guest-shutdown"}""");
        var e = await shutdown.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(e, Is.EqualTo(new QmpShutdownEvent(true, "guest-shutdown")));
        Assert.That(seen.Take(4), Is.EqualTo(new[] { "stopped", "raw:STOP", "resumed", "raw:RESUME" }));
    }

    [Test]
    public async Task A_dropped_connection_fails_pending_commands_and_completes()
    {
        await using var server = new FakeQmpServer((_, _) => []);
        await using var connection = await QmpConnection.ConnectAsync(server.SocketPath, CancellationToken.None);

        var pending = connection.ExecuteAsync("query-status");
        await WaitForAsync(() => server.Received.Count == 2);
        await server.DropConnectionAsync();

        var ex = Assert.ThrowsAsync<QmpDisconnectedException>(async () => await pending);
        Assert.That(ex!.Message, Does.Contain("query-status"));
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(connection.Events.Completion.IsCompleted, Is.True);
        Assert.ThrowsAsync<QmpDisconnectedException>(async () => await connection.ExecuteAsync("query-status"));
    }

    [Test]
    public async Task Commands_opened_behind_qmp_capabilities_are_sent_before_its_answer()
    {
        JsonObject? capabilities = null;
        await using var server = new FakeQmpServer((name, command) =>
        {
            if (name == "qmp_capabilities")
            {
                capabilities = command;
                return [];
            }
            // cont came while qmp_capabilities is unanswered (a client that waited for that answer would wait forever).
            return [FakeQmpServer.Reply(capabilities!), FakeQmpServer.Reply(command)];
        }, answersCapabilities: false);
        var stream = await ConnectStreamAsync(server.SocketPath);

        await using var connection = await QmpConnection.OpenAsync(stream, stream, stream, ["cont"], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(server.Received.Select(c => c["execute"]!.GetValue<string>()), Is.EqualTo(new[] { "qmp_capabilities", "cont" }));
    }

    [Test]
    public async Task A_refused_qmp_capabilities_fails_the_open_with_its_own_error_not_the_next_commands()
    {
        await using var server = new FakeQmpServer((name, command) => name == "qmp_capabilities"
            ? [FakeQmpServer.Error(command, "GenericError", "Capabilities negotiation is already complete")]
            : [FakeQmpServer.Error(command, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'")], answersCapabilities: false);
        var stream = await ConnectStreamAsync(server.SocketPath);

        var ex = Assert.ThrowsAsync<QmpException>(async () => await QmpConnection.OpenAsync(stream, stream, stream, ["cont"], CancellationToken.None));

        Assert.That(ex!.Command, Is.EqualTo("qmp_capabilities"));
    }

    private static async Task<NetworkStream> ConnectStreamAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new NetworkStream(socket, ownsSocket: true);
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
}
