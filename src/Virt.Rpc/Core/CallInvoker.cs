namespace Grpc.Core;

/// <summary>Starts calls; generated clients call through it.</summary>
public abstract class CallInvoker
{
    /// <summary>Makes a unary call and blocks for its response. Prefer <see cref="AsyncUnaryCall{TRequest, TResponse}"/>.</summary>
    public abstract TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a unary call.</summary>
    /// <remarks>
    /// Not virtual, unlike Grpc.Core.Api's: invokers implement <see cref="StartUnaryCall"/>, on the method's untyped
    /// view. NativeAOT dispatches a generic virtual method over reference types through its runtime type loader, which
    /// cost every vsh command about 3 ms of its 25 ms of CPU at its first call (tools/bench/README.md, daemon); a
    /// unary call is most of what a client makes. Streaming calls, rarer and longer, stay generic virtual methods.
    /// </remarks>
    public AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = StartUnaryCall(method.Untyped, host, options, request);
        return call as AsyncUnaryCall<TResponse>
            ?? new AsyncUnaryCall<TResponse>(CastAsync<TResponse>(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    /// <summary>Starts a server-streaming call.</summary>
    public abstract AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a client-streaming call.</summary>
    public abstract AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a duplex-streaming call.</summary>
    public abstract AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a unary call whose messages are converted by <paramref name="method"/>'s marshallers.</summary>
    /// <param name="method">The method, with its messages as objects (<see cref="Method{TRequest, TResponse}.Untyped"/>).</param>
    /// <param name="host">The host, or null for the channel's.</param>
    /// <param name="options">The call's options.</param>
    /// <param name="request">The request, of the method's request type.</param>
    protected abstract AsyncUnaryCall<object> StartUnaryCall(Method<object, object> method, string? host, CallOptions options, object request);

    private static async Task<TResponse> CastAsync<TResponse>(Task<object> response) => (TResponse)await response.ConfigureAwait(false);
}

/// <summary>A connection to a server that can create call invokers.</summary>
public abstract class ChannelBase
{
    /// <summary>Creates a channel for a target.</summary>
    protected ChannelBase(string target) => Target = target;

    /// <summary>The target this channel connects to.</summary>
    public string Target { get; }

    /// <summary>Creates a call invoker that makes calls on this channel.</summary>
    public abstract CallInvoker CreateCallInvoker();
}
