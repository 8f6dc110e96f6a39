using System.Threading.Channels;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.InProcess;

/// <summary>
/// One in-process call: the handler runs on the thread pool against a <see cref="ServerCallContext"/> of its own,
/// messages are copied through their marshallers, and the call ends with exactly one status, as on the wire.
/// </summary>
internal sealed class InProcessCall<TRequest, TResponse> : ServerCallContext, IDisposable
    where TRequest : class
    where TResponse : class
{
    // A small window gives streams back-pressure without making each message wait for the other side.
    private const int StreamWindow = 16;

    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _deadline = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly CancellationTokenSource _call;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<TRequest> _requests = Channel.CreateBounded<TRequest>(StreamWindow);
    private readonly Channel<TResponse> _responses = Channel.CreateBounded<TResponse>(StreamWindow);
    private readonly Lock _lock = new();
    private readonly Metadata _responseTrailers = [];
    private Status _handlerStatus = Status.DefaultSuccess;
    private Status? _finalStatus;
    private WriteOptions? _writeOptions;

    public InProcessCall(Method<TRequest, TResponse> method, CallOptions options, ConnectionInfo connection)
    {
        _method = method;
        _options = options;
        this.SetConnectionInfo(connection);
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            _deadline.CancelAfter(remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining > GrpcTimeout.LongestTimer ? Timeout.InfiniteTimeSpan : remaining);
        }
        _call = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadline.Token, _disposed.Token);
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public IAsyncStreamReader<TResponse> ResponseStream => new Reader<TResponse>(this, _responses.Reader);

    public IClientStreamWriter<TRequest> RequestStream => new Writer(this);

    protected override string MethodCore => _method.FullName;

    protected override string HostCore => "localhost";

    protected override string PeerCore => "in-process";

    protected override DateTime DeadlineCore => _options.Deadline?.ToUniversalTime() ?? DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => _options.Headers ?? Metadata.Empty;

    protected override CancellationToken CancellationTokenCore => _call.Token;

    protected override Metadata ResponseTrailersCore => _responseTrailers;

    protected override Status StatusCore
    {
        get => _handlerStatus;
        set => _handlerStatus = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _writeOptions;
        set => _writeOptions = value;
    }

    public async Task<TResponse> RunUnaryAsync(UnaryServerMethod<TRequest, TResponse>? handler, TRequest request)
    {
        var response = await RunHandlerAsync(handler, async h => (TResponse?)await h(Copy(request, _method.RequestMarshaller), this).ConfigureAwait(false)).ConfigureAwait(false);
        return response ?? throw new RpcException(GetStatus(), GetTrailers());
    }

    public async Task<TResponse> RunClientStreamingAsync(ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var response = await RunHandlerAsync(handler, async h => (TResponse?)await h(new Reader<TRequest>(this, _requests.Reader), this).ConfigureAwait(false)).ConfigureAwait(false);
        return response ?? throw new RpcException(GetStatus(), GetTrailers());
    }

    public void StartServerStreaming(ServerStreamingServerMethod<TRequest, TResponse>? handler, TRequest request) =>
        _ = RunHandlerAsync(handler, async h =>
        {
            await h(Copy(request, _method.RequestMarshaller), new ResponseWriter(this), this).ConfigureAwait(false);
            return null;
        });

    public void StartDuplexStreaming(DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        _ = RunHandlerAsync(handler, async h =>
        {
            await h(new Reader<TRequest>(this, _requests.Reader), new ResponseWriter(this), this).ConfigureAwait(false);
            return null;
        });

    public Status GetStatus()
    {
        lock (_lock)
        {
            return _finalStatus ?? throw new InvalidOperationException("The call has not finished yet, so it has no status.");
        }
    }

    public Metadata GetTrailers()
    {
        lock (_lock)
        {
            return _finalStatus is null ? throw new InvalidOperationException("The call has not finished yet, so it has no trailers.") : _responseTrailers;
        }
    }

    public void Dispose()
    {
        Finish(new Status(StatusCode.Cancelled, "The call was disposed before it finished."));
        _disposed.Cancel();
    }

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        _headers.TrySetResult(responseHeaders);
        return Task.CompletedTask;
    }

    /// <summary>Runs the handler and records the call's one status; returns the (copied) response of unary shapes.</summary>
    private async Task<TResponse?> RunHandlerAsync<THandler>(THandler? handler, Func<THandler, Task<TResponse?>> run)
        where THandler : Delegate
    {
        if (handler is null)
        {
            Finish(new Status(StatusCode.Unimplemented, $"Method {_method.FullName} is not served here."));
            return null;
        }
        try
        {
            // Off the caller's stack, as a remote call would be.
            var response = await Task.Run(() => run(handler), CancellationToken.None).WaitAsync(_call.Token).ConfigureAwait(false);
            Finish(_deadline.IsCancellationRequested ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded") : _handlerStatus);
            return _handlerStatus.StatusCode == StatusCode.OK && response is not null ? Copy(response, _method.ResponseMarshaller) : null;
        }
        catch (OperationCanceledException) when (_call.IsCancellationRequested)
        {
            Finish(_deadline.IsCancellationRequested
                ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")
                : new Status(StatusCode.Cancelled, "Call canceled by the client."));
            return null;
        }
        catch (Exception ex)
        {
            Finish(HandlerOutcome.StatusFor(ex, _deadline.IsCancellationRequested, serverStopping: false, detailedErrors: true, _responseTrailers));
            return null;
        }
    }

    private void Finish(Status status)
    {
        lock (_lock)
        {
            if (_finalStatus is not null)
            {
                return;
            }
            _finalStatus = status;
        }
        _headers.TrySetResult(Metadata.Empty);
        _requests.Writer.TryComplete();
        _responses.Writer.TryComplete(status.StatusCode == StatusCode.OK ? null : new RpcException(status, _responseTrailers));
        if (status.StatusCode != StatusCode.OK)
        {
            // Stop a handler that is still running; nobody will read what it produces.
            _disposed.Cancel();
        }
    }

    private static T Copy<T>(T message, Marshaller<T> marshaller)
    {
        var frame = GrpcFrame.Serialize(marshaller, message, maxSize: null);
        return GrpcFrame.Deserialize(marshaller, frame[GrpcProtocol.FrameHeaderSize..]);
    }

    private sealed class Reader<T>(InProcessCall<TRequest, TResponse> call, ChannelReader<T> source) : IAsyncStreamReader<T>
        where T : class
    {
        private T? _current;

        public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            // Messages sent before a failure are delivered before it, as on the wire.
            if (source.TryRead(out var buffered))
            {
                _current = buffered;
                return true;
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call._call.Token);
            try
            {
                while (await source.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                {
                    if (source.TryRead(out var item))
                    {
                        _current = item;
                        return true;
                    }
                }
                _current = null;
                return false;
            }
            catch (OperationCanceledException) when (call._call.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The call ended (deadline, dispose or failure): report its status rather than a bare cancellation.
                call.Finish(call._deadline.IsCancellationRequested ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded") : new Status(StatusCode.Cancelled, "Call canceled."));
                throw new RpcException(call.GetStatus(), call.GetTrailers());
            }
        }
    }

    private sealed class ResponseWriter(InProcessCall<TRequest, TResponse> call) : IServerStreamWriter<TResponse>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(TResponse message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(TResponse message, CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call._call.Token);
            await call._responses.Writer.WriteAsync(Copy(message, call._method.ResponseMarshaller), linked.Token).ConfigureAwait(false);
        }
    }

    private sealed class Writer(InProcessCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
        {
            lock (call._lock)
            {
                if (call._finalStatus is { } status)
                {
                    throw new RpcException(status, call._responseTrailers);
                }
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call._call.Token);
            try
            {
                await call._requests.Writer.WriteAsync(Copy(message, call._method.RequestMarshaller), linked.Token).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException("The request stream has already been completed.");
            }
        }

        public Task CompleteAsync()
        {
            call._requests.Writer.TryComplete();
            return Task.CompletedTask;
        }
    }
}
