using Grpc.Core;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// A client-streaming method that reads its requests as an upload does (<see cref="IDataMessageReader{T}"/>): data
/// messages (payload only) are written to a file through <see cref="DataWriter"/>, other messages are noted where they
/// came. It answers with what it saw, data runs read back from the file, as <see cref="DataFrameReaderTests.Expected"/> writes them.
/// </summary>
internal static class DataSinkService
{
    public static readonly Method<EchoRequest, EchoResponse> Sink = new(
        MethodType.ClientStreaming,
        "virt.test.v1.DataSink",
        "Sink",
        Marshallers.Create<EchoRequest>(m => Google.Protobuf.MessageExtensions.ToByteArray(m), EchoRequest.Parser.ParseFrom),
        Marshallers.Create<EchoResponse>(m => Google.Protobuf.MessageExtensions.ToByteArray(m), EchoResponse.Parser.ParseFrom));

    public static ServerServiceDefinition Definition() => ServerServiceDefinition.CreateBuilder().AddMethod(Sink, SinkAsync).Build();

    private static async Task<EchoResponse> SinkAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var path = Path.GetTempFileName();
        try
        {
            var marks = new List<(long At, string Text)>();
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                var writer = new DataWriter(file);
                while (true)
                {
                    var read = await requests.ReadDataOrMessageAsync(EchoRequest.PayloadFieldNumber, m => m.Text.Length == 0 ? m.Payload : null, context.CancellationToken);
                    if (read.Kind == DataOrMessageKind.End)
                    {
                        break;
                    }
                    if (read.Kind == DataOrMessageKind.Message)
                    {
                        marks.Add((writer.Written, read.Message!.Text));
                    }
                    await writer.WriteAsync(read, context.CancellationToken);
                }
                writer.Complete();
                Assert.That(file.Position, Is.EqualTo(writer.Written), "the stream's position follows the writes");
            }
            var bytes = await File.ReadAllBytesAsync(path);
            var seen = new List<string>();
            var from = 0;
            foreach (var (at, text) in marks.Append((bytes.Length, "")))
            {
                DataFrameReaderTests.CloseRun(seen, [.. bytes.AsSpan(from, (int)at - from)]);
                from = (int)at;
                seen.Add("message:" + text);
            }
            seen.RemoveAt(seen.Count - 1);
            return new EchoResponse { SeenMetadata = { seen } };
        }
        finally
        {
            File.Delete(path);
        }
    }
}
