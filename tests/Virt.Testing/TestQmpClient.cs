using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Virt.Testing;

/// <summary>An error reply from QEMU's monitor.</summary>
public sealed class QmpErrorException(string errorClass, string description)
    : Exception($"QMP error {errorClass}: {description}")
{
    public string ErrorClass { get; } = errorClass;

    public string Description { get; } = description;
}

/// <summary>
/// A deliberately minimal QMP client for tests that drive QEMU directly: it is independent of the product's
/// own QMP code, so a test can check that code against QEMU rather than against itself.
/// One command at a time; asynchronous events are collected in <see cref="Events"/>.
/// </summary>
public sealed class TestQmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _commandGate = new(1, 1);
    private readonly Lock _eventsGate = new();
    private readonly List<JsonObject> _events = [];

    private TestQmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    /// <summary>Events received so far (each the whole message, with "event", "data", "timestamp").</summary>
    public IReadOnlyList<JsonObject> Events
    {
        get
        {
            lock (_eventsGate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>
    /// Connects to <c>-qmp unix:PATH,server=on,wait=off</c>, retrying while QEMU has not yet created the socket,
    /// then reads the greeting and negotiates capabilities.
    /// </summary>
    public static async Task<TestQmpClient> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        SocketException? lastError = null;
        while (true)
        {
            try
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                var client = new TestQmpClient(socket);
                try
                {
                    await client.HandshakeAsync(deadline.Token);
                    return client;
                }
                catch
                {
                    await client.DisposeAsync();
                    throw;
                }
            }
            catch (SocketException e)
            {
                // QEMU creates the socket during start-up: until then it is missing or refuses.
                lastError = e;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no QMP monitor answered on {socketPath} within {timeout}", lastError);
            }
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no QMP monitor answered on {socketPath} within {timeout}", lastError);
            }
        }
    }

    /// <summary>Runs a command and returns its "return" value.</summary>
    /// <exception cref="QmpErrorException">QEMU answered with an error.</exception>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = arguments;
        }
        await _commandGate.WaitAsync(cancellationToken);
        try
        {
            var bytes = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
            await _stream.WriteAsync(bytes, cancellationToken);
            while (true)
            {
                var message = await ReadMessageAsync(cancellationToken);
                if (message.TryGetPropertyValue("return", out var result))
                {
                    return result;
                }
                if (message["error"] is JsonObject error)
                {
                    throw new QmpErrorException((string?)error["class"] ?? "?", (string?)error["desc"] ?? "?");
                }
            }
        }
        finally
        {
            _commandGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _socket.Dispose();
        _commandGate.Dispose();
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var greeting = await ReadMessageAsync(cancellationToken);
        if (greeting["QMP"] is null)
        {
            throw new InvalidDataException($"expected a QMP greeting, got {greeting.ToJsonString()}");
        }
        await ExecuteAsync("qmp_capabilities", cancellationToken: cancellationToken);
    }

    /// <summary>Reads the next message that is not an event; events are recorded on the way.</summary>
    private async Task<JsonObject> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken)
                ?? throw new EndOfStreamException("QEMU closed the QMP connection");
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            if (JsonNode.Parse(line) is not JsonObject message)
            {
                throw new InvalidDataException($"QMP sent a non-object: {line}");
            }
            if (message.ContainsKey("event"))
            {
                lock (_eventsGate)
                {
                    _events.Add(message);
                }
                continue;
            }
            return message;
        }
    }
}
