namespace Grpc.Core;

/// <summary>Starts calls; generated clients call through it.</summary>
public abstract class CallInvoker
{
    /// <summary>Makes a unary call and blocks for its response. Prefer <see cref="AsyncUnaryCall{TRequest, TResponse}"/>.</summary>
    public abstract TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a unary call.</summary>
    public abstract AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

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
