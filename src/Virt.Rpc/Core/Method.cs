namespace Grpc.Core;

/// <summary>The four call shapes of gRPC.</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,
    /// <summary>A stream of requests, one response.</summary>
    ClientStreaming,
    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,
    /// <summary>Streams both ways.</summary>
    DuplexStreaming,
}

/// <summary>A method descriptor without its message types.</summary>
public interface IMethod
{
    /// <summary>The call shape.</summary>
    MethodType Type { get; }

    /// <summary>The fully qualified service name, e.g. <c>virt.v1.DomainService</c>.</summary>
    string ServiceName { get; }

    /// <summary>The method's short name.</summary>
    string Name { get; }

    /// <summary>The HTTP/2 path: <c>/service/method</c>.</summary>
    string FullName { get; }
}

/// <summary>A method descriptor with its request and response marshallers.</summary>
public class Method<TRequest, TResponse> : IMethod
{
    /// <summary>Creates a method descriptor.</summary>
    public Method(MethodType type, string serviceName, string name, Marshaller<TRequest> requestMarshaller, Marshaller<TResponse> responseMarshaller)
    {
        Type = type;
        ServiceName = serviceName ?? throw new ArgumentNullException(nameof(serviceName));
        Name = name ?? throw new ArgumentNullException(nameof(name));
        RequestMarshaller = requestMarshaller ?? throw new ArgumentNullException(nameof(requestMarshaller));
        ResponseMarshaller = responseMarshaller ?? throw new ArgumentNullException(nameof(responseMarshaller));
        FullName = "/" + serviceName + "/" + name;
    }

    /// <inheritdoc />
    public MethodType Type { get; }

    /// <inheritdoc />
    public string ServiceName { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string FullName { get; }

    /// <summary>Marshals requests.</summary>
    public Marshaller<TRequest> RequestMarshaller { get; }

    /// <summary>Marshals responses.</summary>
    public Marshaller<TResponse> ResponseMarshaller { get; }

    /// <summary>
    /// This method with its messages as objects, for <see cref="CallInvoker"/>s, which start unary calls without the
    /// types (<see cref="CallInvoker.AsyncUnaryCall{TRequest, TResponse}"/> says why). Not part of Grpc.Core.Api.
    /// </summary>
    public Method<object, object> Untyped => _untyped ??= this as Method<object, object>
        ?? new Method<object, object>(Type, ServiceName, Name, RequestMarshaller.Untyped(), ResponseMarshaller.Untyped());

    private Method<object, object>? _untyped;
}
