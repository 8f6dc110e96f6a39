using Google.Protobuf;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Client;

/// <summary>Storage pools and volumes: typed calls over StorageService, and the volume upload/download streams.</summary>
public sealed partial class VirtConnection
{
    /// <summary>
    /// The data message of an upload (storage.proto allows up to 1 MiB). virtd takes the bytes from Kestrel's receive
    /// blocks without building the message, so the size no longer costs it a copy; 256 KiB measured cheaper per GiB
    /// than 64 KiB (tools/bench/README.md, storage, eighth session).
    /// </summary>
    public const int VolumeChunkBytes = 256 << 10;

    /// <summary>The least an upload's read waits for before it sends what it has (a pipe may give less at a time than a chunk).</summary>
    private const int UploadReadMinimumBytes = 64 << 10;

    /// <summary>Any unary StorageService call, with errors as <see cref="VirtClientException"/>.</summary>
    /// <typeparam name="T">The reply type.</typeparam>
    /// <param name="call">Starts the call on <see cref="Storage"/>.</param>
    /// <returns>The reply.</returns>
    public Task<T> StorageCallAsync<T>(Func<StorageService.StorageServiceClient, AsyncUnaryCall<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return CallAsync(() => call(Storage));
    }

    /// <summary>A pool call naming the pool virsh's way (UUID first, then name).</summary>
    /// <typeparam name="T">The reply type.</typeparam>
    /// <param name="pool">Name or UUID.</param>
    /// <param name="call">Starts the call with the reference.</param>
    /// <returns>The reply.</returns>
    public Task<T> PoolCallAsync<T>(string pool, Func<StorageService.StorageServiceClient, PoolRef, AsyncUnaryCall<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return ByPoolAsync(pool, r => call(Storage, r));
    }

    /// <summary>
    /// virsh vol-upload: streams <paramref name="source"/> into the volume in chunks of <see cref="VolumeChunkBytes"/>,
    /// reading the next chunk while the previous one is being sent; nothing is buffered whole.
    /// </summary>
    /// <param name="volume">The volume.</param>
    /// <param name="source">The bytes to write, read to its end (or <paramref name="length"/> bytes).</param>
    /// <param name="offset">Where in the volume writing starts.</param>
    /// <param name="length">How many bytes to send; 0: all of <paramref name="source"/>.</param>
    /// <param name="progress">Told the bytes sent so far after each chunk (holes included).</param>
    /// <param name="sparse">
    /// --sparse (virStreamSparseSendAll): the holes of a file <paramref name="source"/> (SEEK_DATA/SEEK_HOLE) are sent
    /// as holes, and the server makes them holes of the volume (zeroes where the volume cannot have holes). Any other
    /// stream is sent as data.
    /// </param>
    /// <param name="ct">Cancels the upload.</param>
    /// <returns>The ended job.</returns>
    public async Task<Job> UploadVolumeAsync(VolumeRef volume, Stream source, ulong offset = 0, ulong length = 0, IProgress<ulong>? progress = null,
        bool sparse = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (LocalFileOf(source, write: false) is { } file && await TryUploadFromLocalFileAsync(volume, file, offset, length, sparse, ct).ConfigureAwait(false) is { } copied)
        {
            progress?.Report(copied.Result.FinalStats?.DataProcessedBytes ?? 0);
            return copied;
        }
        try
        {
            using var call = Storage.UploadVolume(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new UploadVolumeRequest { Header = new UploadHeader { Volume = volume, Offset = offset, Length = length, Sparse = sparse } }, ct).ConfigureAwait(false);
            if (sparse && source is FileStream { CanSeek: true } sparseSource)
            {
                return await UploadSparseAsync(call, sparseSource, length, progress, ct).ConfigureAwait(false);
            }
            var buffers = new[] { new byte[VolumeChunkBytes], new byte[VolumeChunkBytes] };
            var which = 0;
            ulong sent = 0;
            int Want() => length == 0 ? VolumeChunkBytes : (int)Math.Min((ulong)VolumeChunkBytes, length - sent);
            // A read waits for a whole chunk from a file, but a slow source (a pipe) is sent as it comes, at least
            // UploadReadMinimumBytes at a time; fewer than that means the source has ended.
            Task<int> ReadAsync(byte[] buffer, int want) =>
                source.ReadAtLeastAsync(buffer.AsMemory(0, want), Math.Min(want, UploadReadMinimumBytes), throwOnEndOfStream: false, ct).AsTask();
            var pending = ReadAsync(buffers[which], Want());
            while (true)
            {
                // A server that ends the call early (CancelJob, an error) is heard at once, even while the source is slow to
                // give more bytes (a pipe, a network stream).
                if (!pending.IsCompleted && await Task.WhenAny(pending, call.ResponseAsync).ConfigureAwait(false) != pending)
                {
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                var read = await pending.ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                var chunk = buffers[which];
                sent += (ulong)read;
                which ^= 1;
                var next = Want();
                pending = next > 0 && read >= UploadReadMinimumBytes ? ReadAsync(buffers[which], next) : Task.FromResult(0);
                if (!await TrySendUploadDataAsync(call, chunk.AsMemory(0, read), ct).ConfigureAwait(false))
                {
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                progress?.Report(sent);
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw VirtClientException.From(e);
        }
    }

    /// <summary>
    /// The body of a --sparse upload from a file: its data extents as data messages, its holes as hole_bytes messages,
    /// up to <paramref name="length"/> bytes (0: to the file's end). The file's position follows what was sent.
    /// </summary>
    private static async Task<Job> UploadSparseAsync(AsyncClientStreamingCall<UploadVolumeRequest, Job> call, FileStream source, ulong length,
        IProgress<ulong>? progress, CancellationToken ct)
    {
        var start = source.Position;
        var available = (ulong)Math.Max(0, source.Length - start);
        var end = start + (long)(length == 0 ? available : Math.Min(length, available));
        var buffer = new byte[VolumeChunkBytes];
        ulong sent = 0;
        try
        {
            foreach (var extent in SparseFile.Extents(source.SafeFileHandle, start, end))
            {
                if (extent.IsHole)
                {
                    if (!await TrySendUploadAsync(call, new UploadVolumeRequest { HoleBytes = (ulong)extent.Length }, ct).ConfigureAwait(false))
                    {
                        return await call.ResponseAsync.ConfigureAwait(false);
                    }
                    sent += (ulong)extent.Length;
                    progress?.Report(sent);
                    continue;
                }
                for (var position = extent.Offset; position < extent.Offset + extent.Length;)
                {
                    var read = await RandomAccess.ReadAsync(source.SafeFileHandle,
                        buffer.AsMemory(0, (int)Math.Min(buffer.Length, extent.Offset + extent.Length - position)), position, ct).ConfigureAwait(false);
                    if (read == 0)
                    {
                        // The file shrank under the upload: what was sent is all there is.
                        position = extent.Offset + extent.Length;
                        continue;
                    }
                    if (!await TrySendUploadDataAsync(call, buffer.AsMemory(0, read), ct).ConfigureAwait(false))
                    {
                        return await call.ResponseAsync.ConfigureAwait(false);
                    }
                    position += read;
                    sent += (ulong)read;
                    progress?.Report(sent);
                }
            }
        }
        finally
        {
            source.Position = start + (long)sent;
        }
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one message of an upload; false when the server has ended the call (an error such as an upload past the
    /// volume's end, CancelJob) before or while it was sent, in which case its answer says why.
    /// </summary>
    private static Task<bool> TrySendUploadAsync(AsyncClientStreamingCall<UploadVolumeRequest, Job> call, UploadVolumeRequest message, CancellationToken ct) =>
        TrySendAsync(call, () => call.RequestStream.WriteAsync(message, ct), ct);

    /// <summary>
    /// Sends one data message of an upload as <see cref="TrySendUploadAsync"/> does; on the wire it is not built (Virt.Rpc
    /// IDataMessageWriter: its bytes go from <paramref name="data"/> into the HTTP/2 stream, no serialized copy).
    /// </summary>
    private static Task<bool> TrySendUploadDataAsync(AsyncClientStreamingCall<UploadVolumeRequest, Job> call, ReadOnlyMemory<byte> data, CancellationToken ct) =>
        TrySendAsync(call, () => call.RequestStream.WriteDataAsync(UploadVolumeRequest.DataFieldNumber, data, static bytes => new UploadVolumeRequest { Data = bytes }, ct), ct);

    private static async Task<bool> TrySendAsync(AsyncClientStreamingCall<UploadVolumeRequest, Job> call, Func<Task> send, CancellationToken ct)
    {
        if (call.ResponseAsync.IsCompleted)
        {
            return false;
        }
        try
        {
            await send().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>virsh vol-download: writes the volume's bytes to <paramref name="target"/> as they arrive.</summary>
    /// <param name="volume">The volume.</param>
    /// <param name="target">Where the bytes go.</param>
    /// <param name="offset">Where in the volume reading starts.</param>
    /// <param name="length">How many bytes; 0: to the end.</param>
    /// <param name="progress">Told the bytes received so far after each chunk (holes included).</param>
    /// <param name="sparse">
    /// --sparse (virStreamSparseRecvAll): the volume's holes come as holes; a file <paramref name="target"/> gets them
    /// as holes (punched, and the file grown to its end), any other stream as zeroes.
    /// </param>
    /// <param name="ct">Cancels the download (and the server's job).</param>
    /// <returns>The header the server sent (volume, job id, length).</returns>
    public async Task<DownloadHeader> DownloadVolumeAsync(VolumeRef volume, Stream target, ulong offset = 0, ulong length = 0, IProgress<ulong>? progress = null,
        bool sparse = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var request = new DownloadVolumeRequest { Volume = volume, Offset = offset, Length = length, Sparse = sparse };
        if (LocalFileOf(target, write: true) is not { } file)
        {
            return await DownloadAsync(request, target, progress, ct).ConfigureAwait(false);
        }
        var keep = false;
        file.SafeFileHandle.DangerousAddRef(ref keep);
        try
        {
            request.LocalFile = new LocalFile { Fd = (int)file.SafeFileHandle.DangerousGetHandle(), FileOffset = (ulong)file.Position };
            try
            {
                return await DownloadAsync(request, target, progress, ct).ConfigureAwait(false);
            }
            catch (VirtClientException e) when (e.Reason == ErrorReason.UnknownField)
            {
                // A server that predates local_file refuses it before sending anything: stream instead.
                request.LocalFile = null;
                return await DownloadAsync(request, target, progress, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            file.SafeFileHandle.DangerousRelease();
        }
    }

    /// <summary>
    /// One DownloadVolume call: the bytes written to <paramref name="target"/> as they arrive, or, when the server took
    /// the request's local file (<see cref="DownloadHeader.LocalFile"/>), only its progress followed while it writes.
    /// </summary>
    private async Task<DownloadHeader> DownloadAsync(DownloadVolumeRequest request, Stream target, IProgress<ulong>? progress, CancellationToken ct)
    {
        var start = target.CanSeek ? target.Position : 0;
        try
        {
            using var call = Storage.DownloadVolume(request, cancellationToken: ct);
            DownloadHeader? header = null;
            // Data is written from the transport's receive buffers (IDataMessageReader), several messages per write;
            // HTTP/2 keeps receiving into its window meanwhile.
            var writer = new DataWriter(target);
            while (true)
            {
                var read = await call.ResponseStream.ReadDataOrMessageAsync(DownloadVolumeResponse.DataFieldNumber, DataOf, ct).ConfigureAwait(false);
                if (read.Kind == DataOrMessageKind.End)
                {
                    break;
                }
                if (read.Message is { KindCase: DownloadVolumeResponse.KindOneofCase.Header } message)
                {
                    header = message.Header;
                }
                if (header is { LocalFile: true } && read.Message is { KindCase: DownloadVolumeResponse.KindOneofCase.Progress } tick)
                {
                    progress?.Report(tick.Progress.DataProcessedBytes);
                }
                if (read.Message is { KindCase: DownloadVolumeResponse.KindOneofCase.HoleBytes } hole)
                {
                    if (!request.Sparse || hole.HoleBytes > long.MaxValue)
                    {
                        throw VirtClientException.Local(StatusCode.Internal, ErrorReason.Internal, "The download sent a hole it was not asked for.");
                    }
                    await writer.WriteHoleAsync((long)hole.HoleBytes, SparseFile.MakeHole, ct).ConfigureAwait(false);
                    progress?.Report((ulong)writer.Written);
                }
                await writer.WriteAsync(read, ct).ConfigureAwait(false);
                if (read.Kind == DataOrMessageKind.Data)
                {
                    progress?.Report((ulong)writer.Written);
                }
            }
            if (header is { LocalFile: true })
            {
                // The server wrote the file through its own descriptor; the stream's position follows, as if it had been written here.
                target.Position = start + (long)header.Length;
                progress?.Report(header.Length);
                return header;
            }
            writer.Complete();
            if (request.Sparse && target is FileStream { CanSeek: true } file)
            {
                // A download that ends in a hole: the file is grown to its end (virshStreamSkip's ftruncate).
                SparseFile.EnsureLength(file.SafeFileHandle, file.Position);
            }
            await target.FlushAsync(ct).ConfigureAwait(false);
            return header ?? throw VirtClientException.Local(StatusCode.Internal, ErrorReason.Internal, "The download ended without its header.");
        }
        catch (RpcException e)
        {
            throw VirtClientException.From(e);
        }

        static ByteString? DataOf(DownloadVolumeResponse message) =>
            message.KindCase == DownloadVolumeResponse.KindOneofCase.Data ? message.Data : null;
    }
}
