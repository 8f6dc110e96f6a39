using Google.Protobuf;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;

namespace Virt.Rpc.Server.Reflection;

/// <summary>
/// grpc.reflection.v1alpha, which most tools still ask for. Its messages are wire-identical to v1's, so each
/// request is re-read as v1, answered by <see cref="ReflectionServiceV1.Answer"/>, and the answer re-read as v1alpha.
/// </summary>
internal sealed class ReflectionServiceV1Alpha(ReflectionIndex index) : ServerReflection.ServerReflectionBase
{
    public override async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requestStream, IServerStreamWriter<ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = Grpc.Reflection.V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var answer = ReflectionServiceV1.Answer(index, request);
            await responseStream.WriteAsync(ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()), context.CancellationToken).ConfigureAwait(false);
        }
    }
}
