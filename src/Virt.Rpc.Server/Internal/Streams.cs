using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Server.Internal;

/// <summary>
/// The request stream of client-streaming and duplex calls. Data-message reads (<see cref="IDataMessageReader{T}"/>)
/// go through the request's pipe, so an upload's bytes are written from Kestrel's own receive blocks.
/// </summary>
internal sealed class RequestStreamReader<T>(HttpContext http, HttpServerCallContext context, Marshaller<T> marshaller, int maxMessageSize) : IAsyncStreamReader<T>, IDataMessageReader<T>
    where T : class
{
    /// <summary>
    /// How much of a data message a read waits for (<see cref="DataFrameReader{T}"/>): Kestrel's request pipe has each
    /// 16 KiB HTTP/2 frame as it lands, and an upload writes each read to its file.
    /// </summary>
    public const int MinDataReadBytes = 256 << 10;

    private T? _current;
    private bool _ended;
    private DataFrameReader<T>? _dataReader;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        _current = null;
        if (_ended)
        {
            return false;
        }
        if (_dataReader is not null)
        {
            // After data reads, the next message may be half-consumed from the pipe: read on through it.
            _current = (await ReadDataOrMessageCoreAsync(0, cancellationToken).ConfigureAwait(false)).Message;
            return _current is not null;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken);
        _current = await GrpcFrame.ReadMessageAsync(http.Request.Body, marshaller, maxMessageSize, linked.Token).ConfigureAwait(false);
        _ended = _current is null;
        return !_ended;
    }

    public ValueTask<DataOrMessage<T>> ReadDataOrMessageAsync(int dataField, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dataField);
        _current = null;
        return _ended ? ValueTask.FromResult(DataOrMessage<T>.End) : ReadDataOrMessageCoreAsync(dataField, cancellationToken);
    }

    private async ValueTask<DataOrMessage<T>> ReadDataOrMessageCoreAsync(int dataField, CancellationToken cancellationToken)
    {
        // Request.Body reads exactly each frame, so the pipe starts at a frame boundary whatever MoveNext read before.
        _dataReader ??= new DataFrameReader<T>(http.Request.BodyReader, marshaller, maxMessageSize, MinDataReadBytes);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken);
        var read = await _dataReader.ReadAsync(dataField, linked.Token).ConfigureAwait(false);
        _ended = read.Kind == DataOrMessageKind.End;
        return read;
    }
}

/// <summary>
/// The response stream of server-streaming and duplex calls; one write at a time, as the API requires. Data messages
/// (<see cref="IDataMessageWriter"/>) go from the caller's buffer straight into the response pipe.
/// </summary>
internal sealed class ResponseStreamWriter<T>(HttpServerCallContext context, Marshaller<T> marshaller, int? maxMessageSize) : IServerStreamWriter<T>, IDataMessageWriter
    where T : class
{
    // Only one write at a time, so one prefix buffer serves every data message.
    private readonly byte[] _dataPrefix = new byte[GrpcFrame.MaxDataPrefixBytes];
    private int _writing;

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        BeginWrite();
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken);
            linked.Token.ThrowIfCancellationRequested();
            using var frame = GrpcFrame.SerializeRented(marshaller, message, maxMessageSize);
            await context.WriteFrameAsync(frame.Memory, ReadOnlyMemory<byte>.Empty, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public async ValueTask WriteDataAsync(int dataField, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        BeginWrite();
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken);
            linked.Token.ThrowIfCancellationRequested();
            var prefixLength = GrpcFrame.WriteDataPrefix(_dataPrefix, dataField, data.Length, maxMessageSize);
            await context.WriteFrameAsync(_dataPrefix.AsMemory(0, prefixLength), data, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    private void BeginWrite()
    {
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A previous write is still in progress; await it before writing again.");
        }
    }
}
