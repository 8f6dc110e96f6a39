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
        _builder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>)(async (request, context) =>
        {
            var outcome = StatusCode.Unknown;
            try
            {
                Admit(context, access, method.Name, request);
                var response = await handler(request, context).ConfigureAwait(false);
                outcome = context.Status.StatusCode;
                return response;
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
                Audit(context, access, method, outcome);
            }
        }));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (ServerStreamingServerMethod<TRequest, TResponse>)(async (request, responses, context) =>
        {
            var outcome = StatusCode.Unknown;
            try
            {
                Admit(context, access, method.Name, request);
                await handler(request, responses, context).ConfigureAwait(false);
                outcome = context.Status.StatusCode;
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
                Audit(context, access, method, outcome);
            }
        }));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (ClientStreamingServerMethod<TRequest, TResponse>)(async (requests, context) =>
        {
            var outcome = StatusCode.Unknown;
            try
            {
                Admit(context, access, method.Name, request: null);
                var response = await handler(requests, context).ConfigureAwait(false);
                outcome = context.Status.StatusCode;
                return response;
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
                Audit(context, access, method, outcome);
            }
        }));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var access = AccessOf(descriptor.FindMethodByName(method.Name));
        _builder.AddMethod(method, (DuplexStreamingServerMethod<TRequest, TResponse>)(async (requests, responses, context) =>
        {
            var outcome = StatusCode.Unknown;
            try
            {
                Admit(context, access, method.Name, request: null);
                await handler(requests, responses, context).ConfigureAwait(false);
                outcome = context.Status.StatusCode;
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
                Audit(context, access, method, outcome);
            }
        }));
    }

    /// <summary>Refuses the call before its handler runs: a non-read method on a read-only connection, or unknown input.</summary>
    private static void Admit(ServerCallContext context, MethodAccess access, string methodName, object? request)
    {
        if (access != MethodAccess.Read && context.GetConnectionInfo().IsReadOnly)
        {
            throw ApiErrors.ReadOnly(methodName);
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

    private void Audit<TRequest, TResponse>(ServerCallContext context, MethodAccess access, Method<TRequest, TResponse> method, StatusCode outcome)
        where TRequest : class
        where TResponse : class
    {
        if (access != MethodAccess.Read && options.Audit is { } audit)
        {
            audit(new ApiCallRecord(method.FullName, access, context.GetConnectionInfo(), outcome));
        }
    }
}
