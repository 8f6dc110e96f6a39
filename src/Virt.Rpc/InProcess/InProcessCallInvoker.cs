using Grpc.Core;

namespace Virt.Rpc.InProcess;

/// <summary>Starts in-process calls; see <see cref="InProcessChannel"/>.</summary>
internal sealed class InProcessCallInvoker(InProcessChannel channel) : CallInvoker
{
    // Kept for generated clients' synchronous methods, which other .NET code may call; our own code never does.
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    protected override AsyncUnaryCall<object> StartUnaryCall(Method<object, object> method, string? host, CallOptions options, object request)
    {
        var call = new InProcessCall<object, object>(method, options, channel.Connection);
        var response = call.RunUnaryAsync(channel.FindHandler(method) as UnaryServerMethod<object, object>, request);
        return new AsyncUnaryCall<object>(response, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new InProcessCall<TRequest, TResponse>(method, options, channel.Connection);
        call.StartServerStreaming(channel.FindHandler(method) as ServerStreamingServerMethod<TRequest, TResponse>, request);
        return new AsyncServerStreamingCall<TResponse>(call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new InProcessCall<TRequest, TResponse>(method, options, channel.Connection);
        var response = call.RunClientStreamingAsync(channel.FindHandler(method) as ClientStreamingServerMethod<TRequest, TResponse>);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, response, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new InProcessCall<TRequest, TResponse>(method, options, channel.Connection);
        call.StartDuplexStreaming(channel.FindHandler(method) as DuplexStreamingServerMethod<TRequest, TResponse>);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }
}
