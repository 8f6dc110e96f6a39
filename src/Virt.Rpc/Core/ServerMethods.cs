namespace Grpc.Core;

/// <summary>A unary handler.</summary>
public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

/// <summary>A client-streaming handler.</summary>
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

/// <summary>A server-streaming handler.</summary>
public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

/// <summary>A duplex-streaming handler.</summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

/// <summary>Receives a service's methods and handlers; a server implements it to register them.</summary>
public class ServiceBinderBase
{
    /// <summary>Adds a unary method.</summary>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => throw new NotSupportedException($"{GetType().Name} does not bind unary methods.");

    /// <summary>Adds a client-streaming method.</summary>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => throw new NotSupportedException($"{GetType().Name} does not bind client-streaming methods.");

    /// <summary>Adds a server-streaming method.</summary>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => throw new NotSupportedException($"{GetType().Name} does not bind server-streaming methods.");

    /// <summary>Adds a duplex-streaming method.</summary>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class => throw new NotSupportedException($"{GetType().Name} does not bind duplex-streaming methods.");
}

/// <summary>Marks the static method that binds a generated service base class.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BindServiceMethodAttribute : Attribute
{
    /// <summary>Names the binding method.</summary>
    public BindServiceMethodAttribute(Type bindType, string bindMethodName)
    {
        BindType = bindType;
        BindMethodName = bindMethodName;
    }

    /// <summary>The type that declares the binding method.</summary>
    public Type BindType { get; }

    /// <summary>The binding method's name.</summary>
    public string BindMethodName { get; }
}
