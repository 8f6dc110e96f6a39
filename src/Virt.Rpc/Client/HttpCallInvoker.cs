using Grpc.Core;

namespace Virt.Rpc.Client;

/// <summary>Starts calls on an <see cref="RpcChannel"/>; unary ones on its unary lane when it has one and <paramref name="unaryLane"/>.</summary>
internal sealed class HttpCallInvoker(RpcChannel channel, bool unaryLane = true) : CallInvoker
{
    // Kept for generated clients' synchronous methods, which other .NET services may call; our own code never does.
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    protected override AsyncUnaryCall<object> StartUnaryCall(Method<object, object> method, string? host, CallOptions options, object request)
    {
        var call = new ClientCall<object, object>(channel, method, options, unaryLane);
        var response = call.StartUnaryAsync(request);
        return new AsyncUnaryCall<object>(response, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        call.StartServerStreaming(request);
        return new AsyncServerStreamingCall<TResponse>(call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        var response = call.StartClientStreamingAsync();
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, response, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        call.StartDuplexStreaming();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }
}
