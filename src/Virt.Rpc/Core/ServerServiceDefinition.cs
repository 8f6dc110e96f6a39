namespace Grpc.Core;

/// <summary>A service's methods with their handlers, ready to be added to a server.</summary>
public class ServerServiceDefinition
{
    private readonly IReadOnlyList<Action<ServiceBinderBase>> _addMethodActions;

    private ServerServiceDefinition(IReadOnlyList<Action<ServiceBinderBase>> addMethodActions) => _addMethodActions = addMethodActions;

    /// <summary>Registers every method with a binder.</summary>
    public void BindService(ServiceBinderBase serviceBinder)
    {
        ArgumentNullException.ThrowIfNull(serviceBinder);
        foreach (var addMethod in _addMethodActions)
        {
            addMethod(serviceBinder);
        }
    }

    /// <summary>Starts a builder.</summary>
    public static Builder CreateBuilder() => new();

    /// <summary>Collects methods and handlers.</summary>
    public class Builder
    {
        private readonly Dictionary<string, IMethod> _methods = [];
        private readonly List<Action<ServiceBinderBase>> _addMethodActions = [];

        /// <summary>Adds a unary method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, b => b.AddMethod(method, handler));

        /// <summary>Adds a client-streaming method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, b => b.AddMethod(method, handler));

        /// <summary>Adds a server-streaming method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, b => b.AddMethod(method, handler));

        /// <summary>Adds a duplex-streaming method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, b => b.AddMethod(method, handler));

        /// <summary>Finishes the definition.</summary>
        public ServerServiceDefinition Build() => new(_addMethodActions.ToArray());

        private Builder Add(IMethod method, Action<ServiceBinderBase> addMethod)
        {
            if (!_methods.TryAdd(method.FullName, method))
            {
                throw new ArgumentException($"Method {method.FullName} is already registered.", nameof(method));
            }
            _addMethodActions.Add(addMethod);
            return this;
        }
    }
}
