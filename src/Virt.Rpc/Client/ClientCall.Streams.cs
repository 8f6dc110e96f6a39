using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

internal sealed partial class ClientCall<TRequest, TResponse>
{
    private sealed class ResponseStreamReader(ClientCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>, IDataMessageReader<TResponse>
    {
        private TResponse? _current;

        public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            _current = null;
            if (await call._responseStarted!.ConfigureAwait(false))
            {
                // After data reads the pipe over the body may hold the next message already: read on through it.
                _current = call._dataReader is null
                    ? await call.ReadMessageAsync(cancellationToken).ConfigureAwait(false)
                    : (await call.ReadDataOrMessageAsync(0, cancellationToken).ConfigureAwait(false)).Message;
            }
            if (_current is not null)
            {
                return true;
            }
            ThrowIfFailed();
            return false;
        }

        public async ValueTask<DataOrMessage<TResponse>> ReadDataOrMessageAsync(int dataField, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataField);
            _current = null;
            if (await call._responseStarted!.ConfigureAwait(false))
            {
                var read = await call.ReadDataOrMessageAsync(dataField, cancellationToken).ConfigureAwait(false);
                if (read.Kind != DataOrMessageKind.End)
                {
                    return read;
                }
            }
            ThrowIfFailed();
            return DataOrMessage<TResponse>.End;
        }

        private void ThrowIfFailed()
        {
            var status = call.GetStatus();
            if (status.StatusCode != StatusCode.OK)
            {
                throw new RpcException(status, call.GetTrailers());
            }
        }
    }

    private sealed class RequestStreamWriter(ClientCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>, IDataMessageWriter
    {
        private readonly Lock _lock = new();
        // Only one write at a time, so one prefix buffer serves every data message.
        private readonly byte[] _dataPrefix = new byte[GrpcFrame.MaxDataPrefixBytes];
        private bool _writing;
        private bool _completed;

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
        {
            BeginWrite();
            try
            {
                using var frame = GrpcFrame.SerializeRented(call._method.RequestMarshaller, message, call._channel.Options.MaxSendMessageSize);
                // The HTTP/2 stream has copied the bytes once this returns, so the pooled array can go back.
                await SendAsync(frame.Memory, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                EndWrite();
            }
        }

        public async ValueTask WriteDataAsync(int dataField, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            BeginWrite();
            try
            {
                var prefixLength = GrpcFrame.WriteDataPrefix(_dataPrefix, dataField, data.Length, call._channel.Options.MaxSendMessageSize);
                // Two writes, one flush: the prefix travels in the same socket write as the start of the data.
                await SendAsync(_dataPrefix.AsMemory(0, prefixLength), data, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                EndWrite();
            }
        }

        private async Task SendAsync(ReadOnlyMemory<byte> frame, ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
        {
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call._callCts.Token);
                var stream = await call._requestContent!.GetStreamAsync().WaitAsync(linked.Token).ConfigureAwait(false);
                await stream.WriteAsync(frame, linked.Token).ConfigureAwait(false);
                if (!rest.IsEmpty)
                {
                    await stream.WriteAsync(rest, linked.Token).ConfigureAwait(false);
                }
                await stream.FlushAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not RpcException && call.IsFinished)
            {
                ThrowIfCallEnded();
                throw;
            }
        }

        private void BeginWrite()
        {
            ThrowIfCallEnded();
            lock (_lock)
            {
                if (_completed)
                {
                    throw new InvalidOperationException("The request stream has already been completed.");
                }
                if (_writing)
                {
                    throw new InvalidOperationException("A previous write is still in progress; await it before writing again.");
                }
                _writing = true;
            }
        }

        private void EndWrite()
        {
            lock (_lock)
            {
                _writing = false;
            }
        }

        public Task CompleteAsync()
        {
            lock (_lock)
            {
                _completed = true;
            }
            call._requestContent!.Complete();
            return Task.CompletedTask;
        }

        private void ThrowIfCallEnded()
        {
            if (call.IsFinished)
            {
                var status = call.GetStatus();
                throw new RpcException(
                    status.StatusCode == StatusCode.OK ? new Status(StatusCode.OK, "The call has already finished.") : status,
                    call.GetTrailers());
            }
        }
    }
}
