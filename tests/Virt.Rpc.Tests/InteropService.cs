using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>The C# implementation of the interop test service; Python/interop_server.py mirrors it.</summary>
internal sealed class InteropService : Interop.Interop.InteropBase
{
    public int ActiveSleeps;

    public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        var response = new EchoResponse { Text = request.Text, Payload = request.Payload };
        foreach (var entry in context.RequestHeaders)
        {
            response.SeenMetadata.Add(entry.IsBinary ? $"{entry.Key}=<{entry.ValueBytes.Length} bytes>" : $"{entry.Key}={entry.Value}");
        }
        return Task.FromResult(response);
    }

    public override Task<EchoResponse> Fail(FailRequest request, ServerCallContext context)
    {
        var trailers = new Metadata();
        if (request.TrailerValue.Length > 0)
        {
            trailers.Add("x-detail", request.TrailerValue);
            trailers.Add("x-detail-bin", Encoding.UTF8.GetBytes(request.TrailerValue));
        }
        throw new RpcException(new Status((StatusCode)request.Code, request.Message), trailers);
    }

    public override async Task<SleepResponse> Sleep(SleepRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref ActiveSleeps);
        try
        {
            await Task.Delay(request.Milliseconds, context.CancellationToken);
            return new SleepResponse();
        }
        finally
        {
            Interlocked.Decrement(ref ActiveSleeps);
        }
    }

    public override async Task Count(CountRequest request, IServerStreamWriter<CountResponse> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            if (request.FailAfter > 0 && i == request.FailAfter)
            {
                throw new RpcException(new Status((StatusCode)request.FailCode, $"failed after {i} messages"));
            }
            await responseStream.WriteAsync(new CountResponse { Value = i }, context.CancellationToken);
            if (request.IntervalMs > 0)
            {
                await Task.Delay(request.IntervalMs, context.CancellationToken);
            }
        }
    }

    public override async Task<SumResponse> Sum(IAsyncStreamReader<SumRequest> requestStream, ServerCallContext context)
    {
        var response = new SumResponse();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            response.Total += request.Value;
            response.Messages++;
        }
        return response;
    }

    public override async Task Chat(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (request.Text.Length == 0 && request.Payload.Length > 0)
            {
                // A data message (payload only) goes back as one: written without building it (IDataMessageWriter).
                await responseStream.WriteDataAsync(EchoResponse.PayloadFieldNumber, request.Payload.Memory, payload => new EchoResponse { Payload = payload }, context.CancellationToken);
                continue;
            }
            await responseStream.WriteAsync(new EchoResponse { Text = request.Text, Payload = request.Payload }, context.CancellationToken);
        }
    }

    public override Task<EchoResponse> Size(SizeRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoResponse { Payload = ByteString.CopyFrom(new byte[request.ResponseBytes]) });
}
