using System.Net;
using System.Net.Http.Headers;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

/// <summary>A request body of one pre-serialized frame.</summary>
internal sealed class FrameContent : HttpContent
{
    private readonly byte[] _frame;

    public FrameContent(byte[] frame)
    {
        _frame = frame;
        Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    // No content-length: a gRPC body is a stream of frames, and streaming calls cannot know their length either.
    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}

/// <summary>
/// A request body that the caller writes to after the call has started: the HTTP stack hands over the request
/// stream, and the body ends (END_STREAM) when the writer completes it.
/// </summary>
internal sealed class PushStreamContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _streamTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completeTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PushStreamContent() => Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);

    public Task<Stream> GetStreamAsync() => _streamTcs.Task;

    public void Complete() => _completeTcs.TrySetResult();

    public void Abort(Exception error)
    {
        _streamTcs.TrySetException(error);
        _ = _streamTcs.Task.Exception;
        _completeTcs.TrySetResult();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _streamTcs.TrySetResult(stream);
        await _completeTcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
