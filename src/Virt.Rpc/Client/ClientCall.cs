using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

/// <summary>
/// One call on the wire. It sends the request (one frame, or a pushed stream of frames), reads the response frames,
/// and ends with exactly one status: from the server's trailers, or from the first local failure (deadline,
/// cancellation, connection loss, protocol error). Once a status is set it never changes, and the HTTP/2 stream is
/// reset if it is still open.
/// </summary>
internal sealed partial class ClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class
    where TResponse : class
{
    private static readonly MediaTypeHeaderValue _grpcContentType = new(GrpcProtocol.ContentType);

    private readonly RpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly bool _unaryLane;
    private readonly CancellationTokenSource _callCts = new();
    private readonly TaskCompletionSource<Metadata> _headersTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _statusLock = new();
    private CancellationTokenRegistration _userCancellation;
    private Timer? _deadlineTimer;
    private Status? _localCancelStatus;
    private Status? _status;
    private Metadata? _trailers;
    private HttpResponseMessage? _response;
    private Stream? _responseBody;
    private PushStreamContent? _requestContent;
    private Task<bool>? _responseStarted;
    private ResponseStreamReader? _reader;
    private RequestStreamWriter? _writer;

    public ClientCall(RpcChannel channel, Method<TRequest, TResponse> method, CallOptions options, bool unaryLane = true)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _unaryLane = unaryLane;
    }

    public Task<Metadata> ResponseHeadersAsync => _headersTcs.Task;

    public IAsyncStreamReader<TResponse> ResponseStream => _reader ??= new ResponseStreamReader(this);

    public IClientStreamWriter<TRequest> RequestStream => _writer ??= new RequestStreamWriter(this);

    public async Task<TResponse> StartUnaryAsync(TRequest request)
    {
        if (!TryStart(request, out var frame))
        {
            _responseStarted = Task.FromResult(false);
        }
        else if (_unaryLane && _channel.UnaryLane is { } lane && await TryOnLaneAsync(lane, frame).ConfigureAwait(false) is { Taken: true } outcome)
        {
            return outcome.Response ?? throw new RpcException(GetStatus(), GetTrailers());
        }
        else
        {
            _responseStarted = SendAndReceiveHeadersAsync(new FrameContent(frame));
        }
        return await ReadSingleResponseAsync().ConfigureAwait(false);
    }

    public void StartServerStreaming(TRequest request)
    {
        _responseStarted = TryStart(request, out var frame) ? SendAndReceiveHeadersAsync(new FrameContent(frame)) : Task.FromResult(false);
    }

    public async Task<TResponse> StartClientStreamingAsync()
    {
        StartDuplexStreaming();
        return await ReadSingleResponseAsync().ConfigureAwait(false);
    }

    public void StartDuplexStreaming()
    {
        _requestContent = new PushStreamContent();
        _responseStarted = TryArmDeadline() ? SendAndReceiveHeadersAsync(_requestContent) : Task.FromResult(false);
    }

    public Status GetStatus()
    {
        lock (_statusLock)
        {
            return _status ?? throw new InvalidOperationException("The call has not finished yet, so it has no status.");
        }
    }

    public Metadata GetTrailers()
    {
        lock (_statusLock)
        {
            return _status is null ? throw new InvalidOperationException("The call has not finished yet, so it has no trailers.") : _trailers ?? Metadata.Empty;
        }
    }

    public void Dispose()
    {
        Finish(new Status(StatusCode.Cancelled, "The call was disposed before it finished."), null);
        _response?.Dispose();
    }

    private bool TryStart(TRequest request, out byte[] frame)
    {
        frame = [];
        try
        {
            frame = GrpcFrame.Serialize(_method.RequestMarshaller, request, _channel.Options.MaxSendMessageSize);
        }
        catch (RpcException ex)
        {
            Finish(ex.Status, null);
            return false;
        }
        return TryArmDeadline();
    }

    /// <summary>Links user cancellation and the deadline to the call; false when the deadline has already passed.</summary>
    private bool TryArmDeadline()
    {
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
                return false;
            }
            if (remaining > GrpcTimeout.LongestTimer)
            {
                // Further away than a timer can count: the server caps it the same way.
                remaining = Timeout.InfiniteTimeSpan;
            }
            _deadlineTimer = new Timer(
                static state => ((ClientCall<TRequest, TResponse>)state!).CancelLocally(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")),
                this,
                remaining,
                Timeout.InfiniteTimeSpan);
        }
        if (_options.CancellationToken.CanBeCanceled)
        {
            _userCancellation = _options.CancellationToken.UnsafeRegister(
                static state => ((ClientCall<TRequest, TResponse>)state!).CancelLocally(new Status(StatusCode.Cancelled, "Call canceled by the client.")),
                this);
        }
        return true;
    }

    private void CancelLocally(Status status)
    {
        lock (_statusLock)
        {
            if (_status is not null)
            {
                return;
            }
            _localCancelStatus ??= status;
        }
        // The read or send in progress observes the token, fails, and finishes the call with the status recorded above.
        _callCts.Cancel();
    }

    private async Task<bool> SendAndReceiveHeadersAsync(HttpContent content)
    {
        using var request = CreateRequest(content);
        try
        {
            _response = await _channel.Invoker.SendAsync(request, _callCts.Token).ConfigureAwait(false);
            if (_response.StatusCode != HttpStatusCode.OK)
            {
                var code = (int)_response.StatusCode;
                Finish(new Status(GrpcStatusMapping.FromHttpStatus(_response.StatusCode), $"Bad gRPC response. HTTP status code: {code.ToString(CultureInfo.InvariantCulture)}"), null);
                return false;
            }
            if (_response.Headers.Contains(GrpcProtocol.StatusTrailer))
            {
                // Trailers-Only: the status came in the headers and no message follows.
                var trailers = HeaderMetadata.From(_response.Headers);
                Finish(HeaderMetadata.ReadStatus(_response.Headers), trailers);
                return false;
            }
            var contentType = _response.Content.Headers.ContentType?.ToString();
            if (!GrpcProtocol.IsGrpcContentType(contentType))
            {
                Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType ?? "(none)"}"), null);
                return false;
            }
            _headersTcs.TrySetResult(HeaderMetadata.From(_response.Headers));
            _responseBody = await _response.Content.ReadAsStreamAsync(_callCts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex), null);
            return false;
        }
    }

    private HttpRequestMessage CreateRequest(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.BaseAddress, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", GrpcProtocol.UserAgent);
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline.ToUniversalTime() - DateTime.UtcNow));
        }
        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    continue;
                }
                headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
            }
        }
        return request;
    }

    private async Task<TResponse> ReadSingleResponseAsync()
    {
        TResponse? response = null;
        if (await _responseStarted!.ConfigureAwait(false) && await ReadMessageAsync(CancellationToken.None).ConfigureAwait(false) is { } message)
        {
            response = message;
            if (await ReadMessageAsync(CancellationToken.None).ConfigureAwait(false) is not null)
            {
                Finish(new Status(StatusCode.Internal, "The server sent more than one message for a call that expects one."), null);
            }
        }
        var status = GetStatus();
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, GetTrailers());
        }
        return response ?? throw new RpcException(new Status(StatusCode.Internal, "The server ended the call with OK but sent no response message."));
    }

    /// <summary>Reads one message; at the end of the stream, or on any failure, finishes the call and returns null.</summary>
    private async ValueTask<TResponse?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        if (_responseBody is null || IsFinished)
        {
            return null;
        }
        using var registration = cancellationToken.UnsafeRegister(
            static state => ((ClientCall<TRequest, TResponse>)state!).CancelLocally(new Status(StatusCode.Cancelled, "Call canceled by the client.")),
            this);
        try
        {
            var message = await GrpcFrame.ReadMessageAsync(_responseBody, _method.ResponseMarshaller, _channel.Options.MaxReceiveMessageSize, _callCts.Token).ConfigureAwait(false);
            if (message is null)
            {
                FinishFromTrailers();
            }
            return message;
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex), null);
            return null;
        }
    }

    /// <summary>Finishes the call with the status in the trailers that followed the response's last message.</summary>
    private void FinishFromTrailers()
    {
        var trailing = _response!.TrailingHeaders;
        Finish(
            trailing.Contains(GrpcProtocol.StatusTrailer)
                ? HeaderMetadata.ReadStatus(trailing)
                : new Status(StatusCode.Internal, "The server ended the response without a grpc-status trailer."),
            HeaderMetadata.From(trailing));
    }

    private bool IsFinished
    {
        get
        {
            lock (_statusLock)
            {
                return _status is not null;
            }
        }
    }

    private Status StatusFromException(Exception ex)
    {
        lock (_statusLock)
        {
            if (_localCancelStatus is { } local)
            {
                return local;
            }
        }
        if (ex is RpcException rpc)
        {
            return rpc.Status;
        }
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocol)
            {
                return StatusFromReset(protocol.ErrorCode, protocol.Message, ex);
            }
        }
        return ex switch
        {
            OperationCanceledException => new Status(StatusCode.Cancelled, "Call canceled.", ex),
            HttpRequestException http => new Status(StatusCode.Unavailable, $"Cannot reach {_channel.Target}: {http.InnerException?.Message ?? http.Message}", ex),
            IOException io => new Status(StatusCode.Unavailable, $"The connection to {_channel.Target} failed: {io.Message}", ex),
            _ => new Status(StatusCode.Internal, $"Error in the call: {ex.GetType().Name}: {ex.Message}", ex),
        };
    }

    /// <summary>The status of a call whose HTTP/2 stream the server reset.</summary>
    private static Status StatusFromReset(long errorCode, string message, Exception? ex) => errorCode switch
    {
        0x8 => new Status(StatusCode.Cancelled, "The server cancelled the call (HTTP/2 RST_STREAM CANCEL).", ex),
        0x7 => new Status(StatusCode.Unavailable, "The server refused the stream (HTTP/2 REFUSED_STREAM).", ex),
        _ => new Status(StatusCode.Internal, $"HTTP/2 error 0x{errorCode:x}: {message}", ex),
    };

    /// <summary>Records the call's final status (first one wins) and releases everything waiting on the call.</summary>
    private void Finish(Status status, Metadata? trailers)
    {
        lock (_statusLock)
        {
            if (_status is not null)
            {
                return;
            }
            _status = status;
            _trailers = trailers?.Freeze();
        }
        _deadlineTimer?.Dispose();
        _userCancellation.Dispose();
        if (status.StatusCode == StatusCode.OK)
        {
            _headersTcs.TrySetResult(Metadata.Empty);
            _requestContent?.Complete();
        }
        else
        {
            var error = new RpcException(status, trailers ?? Metadata.Empty);
            _headersTcs.TrySetException(error);
            _requestContent?.Abort(error);
            // Reset the HTTP/2 stream if it is still open, so the server stops work nobody will read.
            _callCts.Cancel();
        }
        // Observe the fault so that a caller who never asks for headers does not raise UnobservedTaskException.
        _ = _headersTcs.Task.Exception;
    }
}
