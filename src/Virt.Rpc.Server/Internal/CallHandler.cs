using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Server.Internal;

/// <summary>Settings and services every call handler shares.</summary>
internal sealed record CallRuntime(RpcServerOptions Options, ILogger Logger, CancellationToken ServerStopping);

/// <summary>
/// Runs one method's calls: sets up the call context, runs the typed handler, and turns its outcome into exactly one
/// status. The four call shapes differ only in how they read requests and write responses.
/// </summary>
internal abstract class CallHandler(IMethod method, CallRuntime runtime)
{
    public IMethod Method { get; } = method;

    protected CallRuntime Runtime { get; } = runtime;

    public async Task HandleAsync(HttpContext http, TimeSpan? timeout)
    {
        using var context = new HttpServerCallContext(http, Method, timeout, Runtime.ServerStopping);
        context.SetConnectionInfo(ConnectionIdentity.Of(http));
        Status status;
        try
        {
            await RunAsync(http, context).ConfigureAwait(false);
            // A handler that ignored its token still lost the race against the deadline.
            status = context.DeadlineExceeded ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded") : context.Status;
        }
        catch (Exception ex)
        {
            status = context.StatusForException(ex, Runtime.Options.EnableDetailedErrors);
            if (status.StatusCode == StatusCode.Unknown && status.DebugException is not null)
            {
                ServerLog.HandlerFailed(Runtime.Logger, Method.FullName, status.DebugException);
            }
        }
        ServerLog.CallEnded(Runtime.Logger, Method.FullName, status.StatusCode, status.Detail);
        if (context.ClientAborted)
        {
            // Nobody is listening; Kestrel has already reset the stream.
            return;
        }
        try
        {
            context.Complete(status);
        }
        catch (InvalidOperationException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The stream went away while the status was being written.
        }
    }

    protected abstract Task RunAsync(HttpContext http, HttpServerCallContext context);

    /// <summary>Reads the single request message of a unary or server-streaming call.</summary>
    protected async Task<T> ReadSingleRequestAsync<T>(HttpContext http, Marshaller<T> marshaller, CancellationToken cancellationToken)
    {
        var payload = await GrpcFrame.ReadAsync(http.Request.Body, Runtime.Options.MaxReceiveMessageSize, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The request ended without a message."));
        if (await GrpcFrame.ReadAsync(http.Request.Body, Runtime.Options.MaxReceiveMessageSize, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"{Method.FullName} takes one request message, but more arrived."));
        }
        return GrpcFrame.Deserialize(marshaller, payload);
    }

    /// <summary>The single response message of a unary or client-streaming call, sent with the status (<see cref="HttpServerCallContext.WriteOnlyFrameAsync"/>).</summary>
    protected async Task WriteResponseAsync<T>(HttpServerCallContext context, Marshaller<T> marshaller, T message)
    {
        using var frame = GrpcFrame.SerializeRented(marshaller, message, Runtime.Options.MaxSendMessageSize);
        await context.WriteOnlyFrameAsync(frame.Memory).ConfigureAwait(false);
    }
}

internal sealed class UnaryCallHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler, CallRuntime runtime)
    : CallHandler(method, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunAsync(HttpContext http, HttpServerCallContext context)
    {
        var token = context.CancellationToken;
        var request = await ReadSingleRequestAsync(http, method.RequestMarshaller, token).ConfigureAwait(false);
        var response = await handler(request, context).ConfigureAwait(false);
        if (context.Status.StatusCode == StatusCode.OK && !context.DeadlineExceeded)
        {
            await WriteResponseAsync(context, method.ResponseMarshaller, response).ConfigureAwait(false);
        }
    }
}

internal sealed class ServerStreamingCallHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler, CallRuntime runtime)
    : CallHandler(method, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunAsync(HttpContext http, HttpServerCallContext context)
    {
        var request = await ReadSingleRequestAsync(http, method.RequestMarshaller, context.CancellationToken).ConfigureAwait(false);
        await handler(request, new ResponseStreamWriter<TResponse>(context, method.ResponseMarshaller, Runtime.Options.MaxSendMessageSize), context).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingCallHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler, CallRuntime runtime)
    : CallHandler(method, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunAsync(HttpContext http, HttpServerCallContext context)
    {
        var reader = new RequestStreamReader<TRequest>(http, context, method.RequestMarshaller, Runtime.Options.MaxReceiveMessageSize);
        var response = await handler(reader, context).ConfigureAwait(false);
        if (context.Status.StatusCode == StatusCode.OK && !context.DeadlineExceeded)
        {
            await WriteResponseAsync(context, method.ResponseMarshaller, response).ConfigureAwait(false);
        }
    }
}

internal sealed class DuplexStreamingCallHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler, CallRuntime runtime)
    : CallHandler(method, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override Task RunAsync(HttpContext http, HttpServerCallContext context) =>
        handler(
            new RequestStreamReader<TRequest>(http, context, method.RequestMarshaller, Runtime.Options.MaxReceiveMessageSize),
            new ResponseStreamWriter<TResponse>(context, method.ResponseMarshaller, Runtime.Options.MaxSendMessageSize),
            context);
}
