using System.Buffers;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Server.Internal;

/// <summary>
/// One server call: its deadline and cancellation (client abort, deadline, server stopping, all linked), its
/// response headers, and how it ends — with trailers after messages, or Trailers-Only when nothing was sent.
/// </summary>
internal sealed class HttpServerCallContext : ServerCallContext, IDisposable
{
    private readonly HttpContext _http;
    private readonly IMethod _method;
    private readonly CancellationTokenSource _deadlineCts = new();
    private readonly CancellationTokenSource _callCts;
    private readonly CancellationToken _serverStopping;
    private readonly DateTime _deadline = DateTime.MaxValue;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Status _status = Status.DefaultSuccess;
    private WriteOptions? _writeOptions;

    public HttpServerCallContext(HttpContext http, IMethod method, TimeSpan? timeout, CancellationToken serverStopping)
    {
        _http = http;
        _method = method;
        _serverStopping = serverStopping;
        if (timeout is { } t && t <= GrpcTimeout.LongestTimer)
        {
            _deadline = DateTime.UtcNow + t;
            _deadlineCts.CancelAfter(t);
        }
        _callCts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _deadlineCts.Token, serverStopping);
    }

    public bool DeadlineExceeded => _deadlineCts.IsCancellationRequested;

    public bool ClientAborted => _http.RequestAborted.IsCancellationRequested && !DeadlineExceeded;

    public bool ResponseStarted => _http.Response.HasStarted;

    protected override string MethodCore => _method.FullName;

    protected override string HostCore => _http.Request.Host.Value ?? "";

    protected override string PeerCore => _http.Connection.RemoteIpAddress is { } ip
        ? $"{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4")}:{ip}:{_http.Connection.RemotePort}"
        : "unix:";

    protected override DateTime DeadlineCore => _deadline;

    protected override Metadata RequestHeadersCore => _requestHeaders ??= ReadRequestHeaders();

    protected override CancellationToken CancellationTokenCore => _callCts.Token;

    protected override Metadata ResponseTrailersCore => _responseTrailers ??= [];

    protected override Status StatusCore
    {
        get => _status;
        set => _status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _writeOptions;
        set => _writeOptions = value;
    }

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        if (_http.Response.HasStarted)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        }
        foreach (var entry in responseHeaders)
        {
            AddHeader(_http.Response.Headers, entry);
        }
        return StartResponseAsync();
    }

    /// <summary>
    /// Writes one frame given in two parts (the second may be empty), sending the response headers first if they have
    /// not gone yet. Both parts are copied into the response pipe and flushed together, so each message leaves at once.
    /// </summary>
    public async Task WriteFrameAsync(ReadOnlyMemory<byte> frame, ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
    {
        if (!_http.Response.HasStarted)
        {
            await StartResponseAsync().ConfigureAwait(false);
        }
        var body = _http.Response.BodyWriter;
        body.Write(frame.Span);
        if (!rest.IsEmpty)
        {
            body.Write(rest.Span);
        }
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the only response message of a unary or client-streaming call without flushing it, so that Kestrel sends
    /// it with the status when the call ends: headers, message and trailers in one pass of its HTTP/2 frame writer and
    /// one write to the socket. Flushed on its own (<see cref="WriteFrameAsync"/>), the message went out in a write of
    /// its own and the trailers in a second one, each through the frame writer's and the transport's thread-pool hops,
    /// and the client woke for each (tools/bench/README.md, destroy).
    /// </summary>
    public async Task WriteOnlyFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (!_http.Response.HasStarted)
        {
            await StartResponseAsync().ConfigureAwait(false);
        }
        _http.Response.BodyWriter.Write(frame.Span);
    }

    /// <summary>The status for a handler that threw.</summary>
    public Status StatusForException(Exception exception, bool detailedErrors) =>
        HandlerOutcome.StatusFor(exception, DeadlineExceeded, _serverStopping.IsCancellationRequested, detailedErrors, ResponseTrailersCore);

    /// <summary>Ends the call: trailers after a started response, or the status in the headers (Trailers-Only).</summary>
    public void Complete(Status status)
    {
        var response = _http.Response;
        if (response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusTrailer, StatusCodeText(status.StatusCode));
            if (!string.IsNullOrEmpty(status.Detail))
            {
                response.AppendTrailer(GrpcProtocol.MessageTrailer, GrpcMessageEncoding.Encode(status.Detail));
            }
            foreach (var entry in _responseTrailers ?? [])
            {
                response.AppendTrailer(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
            }
        }
        else
        {
            WriteTrailersOnly(_http, status, _responseTrailers);
        }
    }

    /// <summary>Ends a request that never reached a handler with the status in the headers.</summary>
    public static void WriteTrailersOnly(HttpContext http, Status status, Metadata? trailers = null)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusTrailer] = StatusCodeText(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.Headers[GrpcProtocol.MessageTrailer] = GrpcMessageEncoding.Encode(status.Detail);
        }
        foreach (var entry in trailers ?? [])
        {
            AddHeader(response.Headers, entry);
        }
    }

    public void Dispose()
    {
        _callCts.Dispose();
        _deadlineCts.Dispose();
    }

    private Task StartResponseAsync()
    {
        _http.Response.ContentType = GrpcProtocol.ContentType;
        return _http.Response.StartAsync(_callCts.Token);
    }

    private Metadata ReadRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var (name, values) in _http.Request.Headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }
                if (Metadata.Entry.IsBinaryKey(name))
                {
                    try
                    {
                        foreach (var bytes in GrpcProtocol.DecodeBinaryHeader(value))
                        {
                            metadata.Add(name, bytes);
                        }
                    }
                    catch (FormatException)
                    {
                        // The client broke the protocol; it is not the handler's fault.
                        throw new RpcException(new Status(StatusCode.Internal, $"Request metadata '{name}' is not valid base64."));
                    }
                }
                else
                {
                    metadata.Add(name, value);
                }
            }
        }
        return metadata;
    }

    private static void AddHeader(IHeaderDictionary headers, Metadata.Entry entry)
    {
        var value = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
        headers[entry.Key] = StringValues.Concat(headers[entry.Key], value);
    }

    private static string StatusCodeText(StatusCode code) => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
