using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Virt.Testing;

/// <summary>
/// A scripted QMP peer on a temporary Unix socket: it sends a greeting recorded from QEMU 7.2, answers each command
/// through a responder (reply lines to send, in order), and lets a test push events or drop the connection.
/// </summary>
public sealed class FakeQmpServer : IAsyncDisposable
{
    /// <summary>The greeting QEMU 7.2 from Debian 12 sends.</summary>
    public const string Qemu72Greeting = """{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}""";

    private readonly string _directory;
    private readonly Socket _listener;
    private readonly Func<string, JsonObject, IEnumerable<string>> _responder;
    private readonly bool _answersCapabilities;
    private readonly TaskCompletionSource<Socket> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _serveLoop;

    /// <param name="responder">
    /// Given the command name and the whole command object, returns the lines to send back. Use <see cref="Reply"/>
    /// and <see cref="Error"/> to build them; return nothing to leave the command unanswered.
    /// </param>
    /// <param name="answersCapabilities">
    /// Whether the server answers <c>qmp_capabilities</c> itself, at once (the default); false hands it to the responder.
    /// </param>
    public FakeQmpServer(Func<string, JsonObject, IEnumerable<string>> responder, bool answersCapabilities = true)
    {
        _responder = responder;
        _answersCapabilities = answersCapabilities;
        _directory = Directory.CreateTempSubdirectory("virt-fakeqmp-").FullName;
        SocketPath = Path.Combine(_directory, "qmp.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(1);
        _serveLoop = Task.Run(ServeAsync);
    }

    public string SocketPath { get; }

    /// <summary>Every command received, in order.</summary>
    public List<JsonObject> Received { get; } = [];

    /// <summary>A success reply to <paramref name="command"/> carrying <paramref name="returnJson"/>.</summary>
    public static string Reply(JsonObject command, string returnJson = "{}") =>
        $$"""{"return": {{returnJson}}, "id": {{command["id"]!.ToJsonString()}}}""";

    /// <summary>An error reply, as QEMU words them.</summary>
    public static string Error(JsonObject command, string errorClass, string description) =>
        $$$"""{"id": {{{command["id"]!.ToJsonString()}}}, "error": {"class": "{{{errorClass}}}", "desc": "{{{description}}}"}}""";

    /// <summary>Sends an event line now.</summary>
    public Task SendEventAsync(string name, string dataJson = "{}") =>
        SendAsync($$"""{"timestamp": {"seconds": 1700000000, "microseconds": 250000}, "event": "{{name}}", "data": {{dataJson}}}""");

    /// <summary>Sends raw lines now.</summary>
    public async Task SendAsync(params string[] lines)
    {
        var socket = await _accepted.Task;
        await _writeLock.WaitAsync();
        try
        {
            foreach (var line in lines)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the client connection, as QEMU does when it exits.</summary>
    public async Task DropConnectionAsync() => (await _accepted.Task).Shutdown(SocketShutdown.Both);

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        if (_accepted.Task.IsCompletedSuccessfully)
        {
            (await _accepted.Task).Dispose();
        }
        try
        {
            await _serveLoop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The loop ends with whatever the closed socket threw.
        }
        _writeLock.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task ServeAsync()
    {
        var socket = await _listener.AcceptAsync();
        _accepted.SetResult(socket);
        await SendAsync(Qemu72Greeting);
        using var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);
        while (await reader.ReadLineAsync() is { } line)
        {
            var command = (JsonObject)JsonNode.Parse(line)!;
            lock (Received)
            {
                Received.Add(command);
            }
            var name = command["execute"]!.GetValue<string>();
            var replies = name == "qmp_capabilities" && _answersCapabilities ? [Reply(command)] : _responder(name, command).ToArray();
            if (replies.Length > 0)
            {
                await SendAsync(replies);
            }
        }
    }
}
