using System.Collections.Frozen;
using Grpc.Core;

namespace Virt.Rpc.InProcess;

/// <summary>
/// A channel whose calls run the given service implementations in this process, with no HTTP in between. Messages
/// still cross through their marshallers (so client and service never share an object), and status, trailers,
/// deadlines and cancellation behave as on the wire. The client library uses it for <c>test:///</c> connections,
/// which run a driver inside the client as libvirt does. Every call sees a <see cref="Virt.Rpc.ConnectionInfo"/> with
/// this process's credentials and the channel's read-only flag, as a call through a Unix socket would.
/// </summary>
public sealed class InProcessChannel : ChannelBase
{
    private readonly FrozenDictionary<string, Delegate> _handlers;

    /// <summary>Creates a channel serving these services.</summary>
    /// <param name="services">The services to run.</param>
    /// <param name="target">The channel's name.</param>
    /// <param name="readOnly">Whether calls arrive as on a read-only listener (services enforce it from <see cref="Virt.Rpc.ConnectionInfo"/>).</param>
    public InProcessChannel(IEnumerable<ServerServiceDefinition> services, string target = "in-process", bool readOnly = false)
        : base(target)
    {
        ArgumentNullException.ThrowIfNull(services);
        Connection = new ConnectionInfo
        {
            ListenerName = "in-process",
            IsReadOnly = readOnly,
            LocalEndPoint = "in-process",
            Peer = PeerCredentials.Current,
        };
        var binder = new Binder();
        foreach (var service in services)
        {
            service.BindService(binder);
        }
        _handlers = binder.Handlers.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>What every call on this channel sees as its connection.</summary>
    public ConnectionInfo Connection { get; }

    /// <inheritdoc />
    public override CallInvoker CreateCallInvoker() => new InProcessCallInvoker(this);

    internal Delegate? FindHandler(IMethod method) => _handlers.GetValueOrDefault(method.FullName);

    private sealed class Binder : ServiceBinderBase
    {
        public Dictionary<string, Delegate> Handlers { get; } = [];

        // Unary calls arrive untyped (CallInvoker.AsyncUnaryCall says why), so their handlers are kept that way.
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            Add(method, new UnaryServerMethod<object, object>(async (request, context) => await handler((TRequest)request, context).ConfigureAwait(false)));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            Add(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            Add(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            Add(method, handler);

        private void Add(IMethod method, Delegate? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            if (!Handlers.TryAdd(method.FullName, handler))
            {
                throw new ArgumentException($"{method.FullName} is already bound.", nameof(method));
            }
        }
    }
}
