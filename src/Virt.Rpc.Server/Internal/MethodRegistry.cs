using System.Collections.Frozen;
using Grpc.Core;

namespace Virt.Rpc.Server.Internal;

/// <summary>Collects bound methods by path; generated <c>BindService</c> methods call into it.</summary>
internal sealed class MethodRegistry(CallRuntime runtime) : ServiceBinderBase
{
    private readonly Dictionary<string, CallHandler> _handlers = new(StringComparer.Ordinal);

    public IEnumerable<string> ServiceNames => _handlers.Values.Select(h => h.Method.ServiceName).Distinct();

    public FrozenDictionary<string, CallHandler> Freeze() => _handlers.ToFrozenDictionary(StringComparer.Ordinal);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new UnaryCallHandler<TRequest, TResponse>(method, handler, runtime));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new ClientStreamingCallHandler<TRequest, TResponse>(method, handler, runtime));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new ServerStreamingCallHandler<TRequest, TResponse>(method, handler, runtime));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new DuplexStreamingCallHandler<TRequest, TResponse>(method, handler, runtime));

    private void Add(IMethod method, CallHandler? handler)
    {
        if (handler is null)
        {
            throw new ArgumentException($"No handler was given for {method.FullName}.", nameof(handler));
        }
        if (!_handlers.TryAdd(method.FullName, handler))
        {
            throw new ArgumentException($"{method.FullName} is already bound; a method can be served by one handler only.", nameof(method));
        }
    }
}
