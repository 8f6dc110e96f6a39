using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>
/// Wraps every handler of a generated service with what all RPCs share, so no handler can forget it: the access
/// check from the method's <c>(virt.v1.access)</c> option (before the handler runs), the refusal of fields and enum
/// values this server does not know, the mapping of <see cref="VirtException"/> to a status, and the audit record of
/// calls that are not reads.
/// </summary>
internal sealed class ApiServiceBinder(ServiceDescriptor descriptor, VirtApiOptions options) : ServiceBinderBase
{
    private readonly ServerServiceDefinition.Builder _builder = ServerServiceDefinition.CreateBuilder();

    public static ServerServiceDefinition Wrap(ServerServiceDefinition generated, ServiceDescriptor descriptor, VirtApiOptions options)
    {
        var binder = new ApiServiceBinder(descriptor, options);
        generated.BindService(binder);
        return binder._builder.Build();
    }

    /// <summary>The access level of a method as its descriptor declares it; unannotated counts as WRITE (fail closed).</summary>
    public static MethodAccess AccessOf(MethodDescriptor? method)
    {
        var access = method?.GetOptions()?.GetExtension(CommonExtensions.Access) ?? MethodAccess.Unspecified;
        return access == MethodAccess.Unspecified ? MethodAccess.Write : access;
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>)((request, context) =>
            GuardAsync(context, access, method, request, () => handler(request, context))));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (ServerStreamingServerMethod<TRequest, TResponse>)((request, responses, context) =>
            GuardAsync(context, access, method, request, async () =>
            {
                await handler(request, responses, context).ConfigureAwait(false);
                return true;
            })));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (ClientStreamingServerMethod<TRequest, TResponse>)((requests, context) =>
            GuardAsync(context, access, method, request: null, () => handler(requests, context))));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (DuplexStreamingServerMethod<TRequest, TResponse>)((requests, responses, context) =>
            GuardAsync(context, access, method, request: null, async () =>
            {
                await handler(requests, responses, context).ConfigureAwait(false);
                return true;
            })));
    }

    /// <summary>Runs one call's handler between the admission check and the audit record, with errors mapped.</summary>
    private async Task<T> GuardAsync<T>(ServerCallContext context, MethodAccess access, IMethod method, object? request, Func<Task<T>> handler)
    {
        var outcome = StatusCode.Unknown;
        try
        {
            Admit(context, access, method.Name, request);
            var result = await handler().ConfigureAwait(false);
            outcome = context.Status.StatusCode;
            return result;
        }
        catch (Exception e)
        {
            var mapped = Map(e);
            outcome = (mapped as RpcException)?.StatusCode ?? StatusCode.Unknown;
            if (ReferenceEquals(mapped, e))
            {
                throw;
            }
            throw mapped;
        }
        finally
        {
            Audit(context, access, method.FullName, outcome);
        }
    }

    /// <summary>Refuses the call before its handler runs: a non-read method on a read-only connection, or unknown input.</summary>
    private void Admit(ServerCallContext context, MethodAccess access, string methodName, object? request)
    {
        var connection = context.GetConnectionInfo();
        var peer = access == MethodAccess.Peer && options.IsPeerConnection?.Invoke(connection) == true;
        if (access != MethodAccess.Read && connection.IsReadOnly && !peer)
        {
            throw ApiErrors.ReadOnly(LibvirtApiNames.For(methodName, request));
        }
        if (request is IMessage message && UnknownInput.Find(message) is { } field)
        {
            throw new VirtException(VirtErrorReason.UnknownField,
                $"The request sets {field}, which this server does not know; it refuses rather than ignore it. Upgrade the server or leave the field unset.",
                new Dictionary<string, string> { ["field"] = field });
        }
    }

    private static Exception Map(Exception e) => e switch
    {
        VirtException virt => ApiErrors.ToRpcException(virt),
        _ => e,
    };

    private void Audit(ServerCallContext context, MethodAccess access, string fullName, StatusCode outcome)
    {
        if (access != MethodAccess.Read && options.Audit is { } audit)
        {
            audit(new ApiCallRecord(fullName, access, context.GetConnectionInfo(), outcome));
        }
    }
}
