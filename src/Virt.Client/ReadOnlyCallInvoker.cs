using System.Collections.Frozen;
using Grpc.Core;
using Virt.Api;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>
/// Refuses, before sending, every call a read-only socket would refuse: for transports that have no read-only
/// listener (TCP), so <c>readOnly: true</c> means the same everywhere. The access levels come from the same method
/// descriptors the server enforces.
/// </summary>
internal sealed class ReadOnlyCallInvoker(CallInvoker inner) : CallInvoker
{
    private static readonly FrozenSet<string> _readMethods = new[]
    {
        DomainService.Descriptor, NetworkService.Descriptor, StorageService.Descriptor, EventService.Descriptor, HostService.Descriptor,
        JobService.Descriptor, MigrationService.Descriptor,
    }
        .SelectMany(s => s.Methods)
        .Where(m => VirtApi.AccessOf(m) == MethodAccess.Read)
        .Select(m => "/" + m.Service.FullName + "/" + m.Name)
        .ToFrozenSet(StringComparer.Ordinal);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Check(method);
        return inner.BlockingUnaryCall(method, host, options, request);
    }

    protected override AsyncUnaryCall<object> StartUnaryCall(Method<object, object> method, string? host, CallOptions options, object request)
    {
        Check(method);
        if (request is GetDomainXmlRequest { SecurityInfo: true })
        {
            // The one admin-only request field (common.proto, METHOD_ACCESS_READ).
            throw ApiErrors.ToRpcException(ApiErrors.SecurityInfoReadOnly());
        }
        return inner.AsyncUnaryCall(method, host, options, request);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Check(method);
        return inner.AsyncServerStreamingCall(method, host, options, request);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Check(method);
        return inner.AsyncClientStreamingCall(method, host, options);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Check(method);
        return inner.AsyncDuplexStreamingCall(method, host, options);
    }

    private static void Check(IMethod method)
    {
        if (!_readMethods.Contains(method.FullName))
        {
            throw ApiErrors.ToRpcException(ApiErrors.ReadOnly(method.Name));
        }
    }
}
