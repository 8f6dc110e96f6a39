namespace Grpc.Core;

/// <summary>The base of generated clients.</summary>
public abstract class ClientBase
{
    /// <summary>Creates a client for a channel.</summary>
    protected ClientBase(ChannelBase channel)
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker())
    {
    }

    /// <summary>Creates a client for a call invoker.</summary>
    protected ClientBase(CallInvoker callInvoker) => CallInvoker = callInvoker ?? throw new ArgumentNullException(nameof(callInvoker));

    /// <summary>Creates a client from a configuration, for <c>WithHost</c>-style copies.</summary>
    protected ClientBase(ClientBaseConfiguration configuration)
        : this((configuration ?? throw new ArgumentNullException(nameof(configuration))).CallInvoker)
    {
    }

    /// <summary>Creates an uninitialised client, for mocking.</summary>
    protected ClientBase() => CallInvoker = UnimplementedCallInvoker.Instance;

    /// <summary>The invoker that calls go through.</summary>
    protected CallInvoker CallInvoker { get; }

    /// <summary>What a client needs to be copied.</summary>
    protected internal class ClientBaseConfiguration
    {
        /// <summary>Creates a configuration.</summary>
        protected internal ClientBaseConfiguration(CallInvoker callInvoker) => CallInvoker = callInvoker;

        /// <summary>The invoker.</summary>
        public CallInvoker CallInvoker { get; }
    }

    private sealed class UnimplementedCallInvoker : CallInvoker
    {
        public static readonly UnimplementedCallInvoker Instance = new();

        private static RpcException NotConnected() =>
            new(new Status(StatusCode.Unimplemented, "This client was created without a channel."));

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw NotConnected();

        protected override AsyncUnaryCall<object> StartUnaryCall(Method<object, object> method, string? host, CallOptions options, object request) => throw NotConnected();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw NotConnected();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw NotConnected();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw NotConnected();
    }
}

/// <summary>The base of generated clients, with typed copies.</summary>
/// <typeparam name="T">The concrete client type.</typeparam>
public abstract class ClientBase<T> : ClientBase
    where T : ClientBase<T>
{
    /// <summary>Creates a client for a channel.</summary>
    protected ClientBase(ChannelBase channel)
        : base(channel)
    {
    }

    /// <summary>Creates a client for a call invoker.</summary>
    protected ClientBase(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>Creates a client from a configuration.</summary>
    protected ClientBase(ClientBaseConfiguration configuration)
        : base(configuration)
    {
    }

    /// <summary>Creates an uninitialised client, for mocking.</summary>
    protected ClientBase()
    {
    }

    /// <summary>Creates a new instance of the concrete client for a configuration.</summary>
    protected abstract T NewInstance(ClientBaseConfiguration configuration);
}
