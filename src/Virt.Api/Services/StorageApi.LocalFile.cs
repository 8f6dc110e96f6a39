using Grpc.Core;
using Microsoft.Win32.SafeHandles;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;
using DriverJobs = Virt.Driver.Jobs;

namespace Virt.Api;

/// <summary>
/// The local fast path of vol-upload and vol-download (storage.proto <c>LocalFile</c>; design note in
/// src/Virt.Driver.Storage/README.md, "Local fast path"): the caller names a file descriptor it has open, virtd takes a
/// duplicate from the process on the other end of this connection (<see cref="PeerProcess"/>) and copies between it
/// and the volume in the kernel (<see cref="FileRangeCopy"/>). Offsets, length and the checks are the stream's.
/// </summary>
internal sealed partial class StorageApi
{
    /// <summary>A descriptor the caller offered: taken (<see cref="File"/>, <see cref="Description"/>), or why not (<see cref="Declined"/>).</summary>
    private sealed record OfferedFile(SafeFileHandle? File, OpenFileDescription? Description, string? Declined);

    /// <summary>
    /// An upload whose header carries <c>local_file</c>: nothing follows the header; the bytes are copied from the
    /// caller's file. A descriptor virtd cannot take (not a local peer, EPERM) is OPERATION_UNSUPPORTED naming
    /// <c>local_file</c>, answered before anything is written, so the client streams instead.
    /// </summary>
    private async Task<Job> UploadFromLocalFileAsync(UploadHeader header, LocalFile local, IAsyncStreamReader<UploadVolumeRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (header.Length != 0)
        {
            throw ApiErrors.InvalidArgument("length", "With local_file the header's length must be 0; the number of bytes to copy goes in local_file.length.");
        }
        if (await requestStream.MoveNext(ct).ConfigureAwait(false))
        {
            throw ApiErrors.InvalidArgument("kind", "An upload with local_file carries nothing after its header: virtd reads the file itself.");
        }
        var volume = Requests.Volume(header.Volume);
        // The descriptor is taken before the volume is opened for writing: a declined handoff leaves the volume untouched.
        var offered = TakeLocalFile(context, local, upload: true);
        using var taken = offered.File;
        // --sparse walks the source's extents with lseek, which moves the offset of the description it is given, and
        // the taken descriptor shares the caller's: the walk and the copy read through a description of virtd's own.
        string? reopenFailed = null;
        using var source = header.Sparse && taken is not null ? ReopenForReading(taken, out reopenFailed) : null;
        if ((offered.Declined ?? reopenFailed) is { } declined)
        {
            ReportTransfer("upload", volume.ToString(), context, declined);
            throw Declined(declined);
        }
        await using var data = await driver.OpenVolumeDataAsync(volume, write: true, header.Offset, ct).ConfigureAwait(false);
        if (data.Stream is not FileStream volumeFile)
        {
            const string NotAFile = "the volume is not a file of this host";
            ReportTransfer("upload", data.Volume.Name, context, NotAFile);
            throw Declined(NotAFile);
        }
        ReportTransfer("upload", data.Volume.Name, context, null);
        var size = offered.Description!.Size;
        var available = size > local.FileOffset ? size - local.FileOffset : 0;
        // As the stream: a length copies that many bytes (fewer in the file fails the job after they are written);
        // without one, the rest of the file, which must fit in the volume from the offset on. Here the misfit is
        // refused before anything is written, where the stream fails once a chunk would pass the end.
        var limit = local.Length > 0 ? local.Length : data.Size - header.Offset;
        if (local.Length == 0 && available > limit)
        {
            throw ApiErrors.InvalidArgument("data",
                $"The upload runs past the end of volume '{data.Volume.Name}' ({data.Size} bytes); resize it first or send less.");
        }
        var count = Math.Min(limit, available);
        using var handle = jobs.Start(new DriverJobs.JobStart(DriverJobs.JobOperation.VolumeUpload, $"upload to volume {data.Volume.Name}") { Volume = DriverJobs.JobVolume.Of(data.Volume) });
        return await TransferAsync(handle, async token =>
        {
            handle.Report(DriverJobs.JobProgress.Data("transferring", limit, 0));
            var outcome = await FileRangeCopy.CopyAsync(source ?? taken!, (long)local.FileOffset, volumeFile.SafeFileHandle, (long)header.Offset, count, header.Sparse,
                copied => handle.Report(DriverJobs.JobProgress.Data("transferring", limit, copied)), token).ConfigureAwait(false);
            if (local.Length > 0 && outcome.Copied != local.Length)
            {
                throw new VirtException(VirtErrorReason.OperationInvalid, $"The upload ended after {outcome.Copied} of the {local.Length} bytes its header announced.",
                    new Dictionary<string, string> { ["volume"] = data.Volume.Name });
            }
            return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(data.Volume), LocalFile = true };
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A download into the caller's own file: the header says so (<c>local_file</c>), then only progress messages
    /// (about once a second) while the kernel copies; the call ends once the last byte is in the file. With
    /// <paramref name="sparse"/> the volume's holes become holes of the file.
    /// </summary>
    private async Task DownloadToLocalFileAsync(LocalFile local, VolumeDataStream data, FileStream volumeFile, SafeFileHandle target, ulong offset, ulong length, bool sparse,
        IServerStreamWriter<DownloadVolumeResponse> responseStream, CancellationToken ct)
    {
        using var handle = jobs.Start(new DriverJobs.JobStart(DriverJobs.JobOperation.VolumeDownload, $"download volume {data.Volume.Name}") { Volume = DriverJobs.JobVolume.Of(data.Volume) });
        await TransferAsync(handle, async token =>
        {
            handle.Report(DriverJobs.JobProgress.Data("transferring", length, 0));
            await responseStream.WriteAsync(new DownloadVolumeResponse
            {
                Header = new DownloadHeader { Volume = ToProto.Identity(data.Volume), JobId = handle.Id, Length = length, LocalFile = true },
            }, token).ConfigureAwait(false);
            var copy = FileRangeCopy.CopyAsync(volumeFile.SafeFileHandle, (long)offset, target, (long)local.FileOffset, length, sparse,
                copied => handle.Report(DriverJobs.JobProgress.Data("transferring", length, copied)), token);
            try
            {
                while (!copy.IsCompleted)
                {
                    if (await Task.WhenAny(copy, Task.Delay(TimeSpan.FromSeconds(1), token)).ConfigureAwait(false) != copy)
                    {
                        token.ThrowIfCancellationRequested();
                        await responseStream.WriteAsync(new DownloadVolumeResponse { Progress = JobConversion.Progress(handle.Info.Progress) }, token).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                // The volume stays open and marked busy until the kernel is done with it, even when the call ends first.
                await ((Task)copy).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            await copy.ConfigureAwait(false);
            return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(data.Volume), LocalFile = true };
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the caller's descriptor from the process on the other end of this connection and checks it suits the
    /// direction: a regular file open for reading (upload) or for writing without O_APPEND (download). A descriptor
    /// the caller does not have or that does not suit is INVALID_ARGUMENT (its mistake); one virtd cannot take is
    /// <see cref="OfferedFile.Declined"/>.
    /// </summary>
    private static OfferedFile TakeLocalFile(ServerCallContext context, LocalFile local, bool upload)
    {
        if (local.FileOffset > long.MaxValue)
        {
            throw ApiErrors.InvalidArgument("local_file.file_offset", $"local_file.file_offset {local.FileOffset} is beyond the largest file offset ({long.MaxValue}).");
        }
        if (!upload && local.Length != 0)
        {
            throw ApiErrors.InvalidArgument("local_file.length", "A download's length is the request's length; leave local_file.length 0.");
        }
        if (context.GetConnectionInfo().PeerProcess is not { } peer)
        {
            return new OfferedFile(null, null, "the connection is not a local Unix socket whose peer process virtd can name");
        }
        SafeFileHandle file;
        try
        {
            file = peer.DuplicateDescriptor(local.Fd);
        }
        catch (PeerDescriptorException e) when (e.CallerError)
        {
            throw ApiErrors.InvalidArgument("local_file.fd", e.Message);
        }
        catch (PeerDescriptorException e)
        {
            return new OfferedFile(null, null, e.Message);
        }
        try
        {
            var description = OpenFileDescription.Of(file);
            var wrong = !description.IsRegularFile ? "is not a regular file"
                : upload && !description.Readable ? "is not open for reading"
                : !upload && !description.Writable ? "is not open for writing"
                : !upload && description.Append ? "is open for appending (O_APPEND), which would ignore the offset"
                : null;
            if (wrong is not null)
            {
                throw ApiErrors.InvalidArgument("local_file.fd",
                    $"File descriptor {local.Fd} of the calling process {wrong}; {(upload ? "an upload needs a regular file open for reading" : "a download needs a regular file open for writing")}. Stream other files instead.");
            }
            return new OfferedFile(file, description, null);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The caller's file opened again as virtd's own description, or null with why not.</summary>
    private static SafeFileHandle? ReopenForReading(SafeFileHandle taken, out string? failed)
    {
        try
        {
            failed = null;
            return SparseFile.ReopenForReading(taken);
        }
        catch (IOException e)
        {
            failed = $"a --sparse upload reads through a description of virtd's own, and virtd cannot open the file again ({e.Message})";
            return null;
        }
    }

    private static VirtException Declined(string why) =>
        ApiErrors.Unsupported("local_file", $"The local fast path is not available: {why}. Stream the bytes instead.");

    private void ReportTransfer(string operation, string volume, ServerCallContext context, string? declined) =>
        transfers?.Invoke(new VolumeTransferRecord(operation, volume, context.GetConnectionInfo(), declined is null, declined));
}
