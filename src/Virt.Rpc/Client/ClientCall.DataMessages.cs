using System.IO.Pipelines;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

/// <summary>The response stream's data-message reads (<see cref="IDataMessageReader{T}"/>).</summary>
internal sealed partial class ClientCall<TRequest, TResponse>
{
    /// <summary>
    /// How much the response pipe asks of the HTTP/2 stream per read, and the size of its buffers: several 64 KiB
    /// messages per read, so a data read covers them in one file write.
    /// </summary>
    private const int ResponsePipeBufferBytes = 256 * 1024;

    private DataFrameReader<TResponse>? _dataReader;

    /// <summary>
    /// Reads the next message or data bytes through a pipe over the response body; once started, every later read of
    /// the call goes through it (the pipe may hold bytes already read). At the end of the stream, or on any failure,
    /// finishes the call and returns <see cref="DataOrMessage{T}.End"/>.
    /// </summary>
    private async ValueTask<DataOrMessage<TResponse>> ReadDataOrMessageAsync(int dataField, CancellationToken cancellationToken)
    {
        if (_responseBody is null || IsFinished)
        {
            return DataOrMessage<TResponse>.End;
        }
        using var registration = cancellationToken.UnsafeRegister(
            static state => ((ClientCall<TRequest, TResponse>)state!).CancelLocally(new Status(StatusCode.Cancelled, "Call canceled by the client.")),
            this);
        _dataReader ??= new DataFrameReader<TResponse>(
            PipeReader.Create(_responseBody, new StreamPipeReaderOptions(bufferSize: ResponsePipeBufferBytes, minimumReadSize: ResponsePipeBufferBytes / 4, leaveOpen: true)),
            _method.ResponseMarshaller,
            _channel.Options.MaxReceiveMessageSize);
        try
        {
            var read = await _dataReader.ReadAsync(dataField, _callCts.Token).ConfigureAwait(false);
            if (read.Kind == DataOrMessageKind.End)
            {
                _dataReader.Complete();
                FinishFromTrailers();
            }
            return read;
        }
        catch (Exception ex)
        {
            _dataReader.Complete();
            Finish(StatusFromException(ex), null);
            return DataOrMessage<TResponse>.End;
        }
    }
}
