using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>
/// The local fast path of vol-upload and vol-download (storage.proto <c>LocalFile</c>): over virtd's Unix socket the
/// client names its open file's descriptor instead of streaming the bytes, and virtd copies in the kernel. Whatever
/// stops that (a TCP connection, a server that cannot take the descriptor or predates the field, a file that is not a
/// regular one) leaves the transfer streamed exactly as before.
/// </summary>
public sealed partial class VirtConnection
{
    /// <summary>
    /// The environment variable that turns the local fast path off: <c>VIRT_VOLUME_TRANSFER=stream</c> streams every
    /// vol-upload/vol-download (for benchmarks and for comparing the two paths).
    /// </summary>
    public const string VolumeTransferVariable = "VIRT_VOLUME_TRANSFER";

    /// <summary>Whether this connection is to virtd's Unix socket on this host, where the local fast path applies.</summary>
    public bool IsLocalSocket { get; }

    /// <summary>
    /// The file to offer virtd instead of streaming, or null: on a local socket only, unless
    /// <see cref="VolumeTransferVariable"/> says <c>stream</c>, and only for a regular file open the right way.
    /// </summary>
    private FileStream? LocalFileOf(Stream stream, bool write)
    {
        if (!IsLocalSocket || stream is not FileStream { CanSeek: true } file || (write ? !file.CanWrite : !file.CanRead)
            || string.Equals(Environment.GetEnvironmentVariable(VolumeTransferVariable), "stream", StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var description = OpenFileDescription.Of(file.SafeFileHandle);
            return description.IsRegularFile && !(write && description.Append) ? file : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// An upload that hands virtd the file: the header names its descriptor, and nothing follows. Null when virtd did not
    /// copy (it could not take the descriptor, or predates local_file and so wrote nothing): the caller streams.
    /// </summary>
    private async Task<Job?> TryUploadFromLocalFileAsync(VolumeRef volume, FileStream file, ulong offset, ulong length, bool sparse, CancellationToken ct)
    {
        var keep = false;
        file.SafeFileHandle.DangerousAddRef(ref keep);
        try
        {
            var position = file.Position;
            Job job;
            try
            {
                using var call = Storage.UploadVolume(cancellationToken: ct);
                // The header's own length stays 0 (storage.proto): a server that ignores local_file then sees an empty upload.
                await call.RequestStream.WriteAsync(new UploadVolumeRequest
                {
                    Header = new UploadHeader
                    {
                        Volume = volume,
                        Offset = offset,
                        Sparse = sparse,
                        LocalFile = new LocalFile { Fd = (int)file.SafeFileHandle.DangerousGetHandle(), FileOffset = (ulong)position, Length = length },
                    },
                }, ct).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                job = await call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                var error = VirtClientException.From(e);
                if (error.Reason == ErrorReason.OperationUnsupported && error.Metadata.TryGetValue("field", out var field) && field == "local_file")
                {
                    return null;
                }
                throw error;
            }
            if (job.Result is not { LocalFile: true } result)
            {
                return null;
            }
            // The stream's position follows, as if the bytes had been read through it.
            file.Position = position + (long)(result.FinalStats?.DataProcessedBytes ?? 0);
            return job;
        }
        finally
        {
            file.SafeFileHandle.DangerousRelease();
        }
    }
}
