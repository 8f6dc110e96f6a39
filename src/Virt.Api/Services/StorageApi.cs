using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Virt.Domain;
using Virt.Domain.Storage;
using Virt.Domain.Xml;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;
using DriverJobs = Virt.Driver.Jobs;

namespace Virt.Api;

/// <summary>
/// virt.v1.StorageService over <see cref="IStoragePoolDriver"/>: pools, volumes and the upload/download streams. Long
/// volume work is a job in the daemon's <see cref="DriverJobs.JobRegistry"/>: copies and wipes run in the background
/// (answered at once, or once ended with <c>wait</c>), transfers for as long as their stream. Each reports its progress
/// in bytes, and CancelJob stops it. What can be checked before the work starts (names, lookups) fails the call, not a job.
/// </summary>
internal sealed partial class StorageApi(IStoragePoolDriver driver, EventLog events, DriverJobs.JobRegistry jobs, Action<VolumeTransferRecord>? transfers)
    : StorageService.StorageServiceBase
{
    /// <summary>
    /// The data message of a download (storage.proto allows up to 1 MiB). The client takes the bytes from its receive
    /// buffers without building the message (IDataMessageReader), so the size no longer costs it a copy; 256 KiB cut
    /// the per-message work of both sides (a write, a flush and a send each) against 64 KiB, where 1 MiB cost virtd
    /// more (tools/bench/README.md, storage, eighth session).
    /// </summary>
    public const int ChunkBytes = 256 << 10;

    public override async Task<ListPoolsResponse> ListPools(ListPoolsRequest request, ServerCallContext context)
    {
        var sequence = events.LatestSequence;
        var pools = await driver.ListPoolsAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new ListPoolsResponse { EventSequence = sequence };
        response.Pools.AddRange(pools
            .Select(p => (Pool: p, Summary: ToProto.Summary(p)))
            .Where(p => (!request.HasActive || p.Pool.Active == request.Active)
                && (!request.HasPersistent || p.Pool.Persistent == request.Persistent)
                && (!request.HasAutostart || p.Pool.Autostart == request.Autostart)
                && (request.Types_.Count == 0 || request.Types_.Contains(p.Summary.Type)))
            .OrderBy(p => p.Pool.Name, StringComparer.Ordinal)
            .Select(p => p.Summary));
        return response;
    }

    public override async Task<LookupPoolResponse> LookupPool(LookupPoolRequest request, ServerCallContext context)
    {
        StoragePoolSummary pool;
        switch (request.ByCase)
        {
            case LookupPoolRequest.ByOneofCase.Pool:
                pool = await driver.LookupPoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
                break;
            case LookupPoolRequest.ByOneofCase.TargetPath:
                if (request.TargetPath.Length == 0)
                {
                    throw ApiErrors.InvalidArgument("target_path", "target_path is empty; give the pool's target directory.");
                }
                var pools = await driver.ListPoolsAsync(context.CancellationToken).ConfigureAwait(false);
                var wanted = Path.TrimEndingDirectorySeparator(request.TargetPath);
                pool = pools.FirstOrDefault(p => p.Definition.Target?.Path is { } path && Path.TrimEndingDirectorySeparator(path) == wanted)
                    ?? throw new VirtException(VirtErrorReason.StoragePoolNotFound,
                        $"Storage pool not found: no storage pool with matching target path '{request.TargetPath}'",
                        new Dictionary<string, string> { ["path"] = request.TargetPath });
                break;
            case LookupPoolRequest.ByOneofCase.Volume:
                var volume = await driver.LookupVolumeAsync(Requests.Volume(request.Volume), context.CancellationToken).ConfigureAwait(false);
                pool = await driver.LookupPoolAsync(volume.PoolUuid.ToString("D"), context.CancellationToken).ConfigureAwait(false);
                break;
            default:
                throw ApiErrors.InvalidArgument("by", "The request names no pool: set pool, volume or target_path.");
        }
        return new LookupPoolResponse { Pool = ToProto.Summary(pool) };
    }

    public override async Task<GetPoolXmlResponse> GetPoolXml(GetPoolXmlRequest request, ServerCallContext context)
    {
        var pool = await driver.LookupPoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
        var definition = request.Inactive && pool.InactiveDefinition is { } inactive ? inactive : pool.Definition;
        return new GetPoolXmlResponse { Xml = StoragePoolXml.Format(definition) };
    }

    public override async Task<DefinePoolResponse> DefinePool(DefinePoolRequest request, ServerCallContext context)
    {
        var xml = Requests.Xml(request.Xml);
        var before = (await driver.ListPoolsAsync(context.CancellationToken).ConfigureAwait(false)).ToList();
        var defined = await driver.DefinePoolAsync(xml, context.CancellationToken).ConfigureAwait(false);
        return new DefinePoolResponse
        {
            Pool = ToProto.Identity(defined),
            Replaced = before.Any(p => p.Uuid == defined.Uuid && p.Persistent),
        };
    }

    public override async Task<CreatePoolResponse> CreatePool(CreatePoolRequest request, ServerCallContext context)
    {
        var xml = Requests.Xml(request.Xml);
        var created = await driver.CreatePoolAsync(xml, request.Build ? Mode(request.Overwrite) : null, context.CancellationToken).ConfigureAwait(false);
        return new CreatePoolResponse { Pool = ToProto.Summary(created) };
    }

    public override async Task<BuildPoolResponse> BuildPool(BuildPoolRequest request, ServerCallContext context)
    {
        await driver.BuildPoolAsync(Requests.Pool(request.Pool), Mode(request.Overwrite), context.CancellationToken).ConfigureAwait(false);
        return new BuildPoolResponse();
    }

    public override async Task<StartPoolResponse> StartPool(StartPoolRequest request, ServerCallContext context)
    {
        var started = await driver.StartPoolAsync(Requests.Pool(request.Pool), request.Build ? Mode(request.Overwrite) : null, context.CancellationToken).ConfigureAwait(false);
        return new StartPoolResponse { Pool = ToProto.Summary(started) };
    }

    public override async Task<DestroyPoolResponse> DestroyPool(DestroyPoolRequest request, ServerCallContext context)
    {
        await driver.DestroyPoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
        return new DestroyPoolResponse();
    }

    public override async Task<DeletePoolResponse> DeletePool(DeletePoolRequest request, ServerCallContext context)
    {
        Requests.Unsupported(request.Zeroed, "zeroed", "zeroing a pool's storage before deleting it");
        await driver.DeletePoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
        return new DeletePoolResponse();
    }

    public override async Task<UndefinePoolResponse> UndefinePool(UndefinePoolRequest request, ServerCallContext context)
    {
        await driver.UndefinePoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
        return new UndefinePoolResponse();
    }

    public override async Task<SetPoolAutostartResponse> SetPoolAutostart(SetPoolAutostartRequest request, ServerCallContext context)
    {
        await driver.SetPoolAutostartAsync(Requests.Pool(request.Pool), request.Autostart, context.CancellationToken).ConfigureAwait(false);
        return new SetPoolAutostartResponse();
    }

    public override async Task<RefreshPoolResponse> RefreshPool(RefreshPoolRequest request, ServerCallContext context) =>
        new() { Pool = ToProto.Summary(await driver.RefreshPoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false)) };

    public override async Task<ListVolumesResponse> ListVolumes(ListVolumesRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0)
        {
            throw ApiErrors.InvalidArgument("page_size", "page_size cannot be negative; use 0 for every volume in one response.");
        }
        var sequence = events.LatestSequence;
        var volumes = await driver.ListVolumesAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
        var ordered = volumes.OrderBy(v => v.Name, StringComparer.Ordinal).SkipWhile(v => request.PageToken.Length > 0 && string.CompareOrdinal(v.Name, request.PageToken) <= 0);
        var page = (request.PageSize > 0 ? ordered.Take(request.PageSize + 1) : ordered).ToList();
        var response = new ListVolumesResponse { EventSequence = sequence };
        if (request.PageSize > 0 && page.Count > request.PageSize)
        {
            page.RemoveAt(page.Count - 1);
            response.NextPageToken = page[^1].Name;
        }
        response.Volumes.AddRange(page.Select(ToProto.Summary));
        return response;
    }

    public override async Task<LookupVolumeResponse> LookupVolume(LookupVolumeRequest request, ServerCallContext context) =>
        new() { Volume = ToProto.Summary(await driver.LookupVolumeAsync(Requests.Volume(request.Volume), context.CancellationToken).ConfigureAwait(false)) };

    public override async Task<GetVolumeXmlResponse> GetVolumeXml(GetVolumeXmlRequest request, ServerCallContext context)
    {
        var volume = await driver.LookupVolumeAsync(Requests.Volume(request.Volume), context.CancellationToken).ConfigureAwait(false);
        return new GetVolumeXmlResponse { Xml = StorageVolumeXml.Format(volume.Definition) };
    }

    public override async Task<CreateVolumeResponse> CreateVolume(CreateVolumeRequest request, ServerCallContext context)
    {
        var pool = Requests.Pool(request.Pool);
        var definition = ParseVolume(Requests.Xml(request.Xml));
        var created = await driver.CreateVolumeAsync(pool, definition, new VolumeCreateOptions { PreallocateMetadata = request.PreallocMetadata }, context.CancellationToken).ConfigureAwait(false);
        return new CreateVolumeResponse { Volume = ToProto.Summary(created) };
    }

    public override async Task<CreateVolumeAsResponse> CreateVolumeAs(CreateVolumeAsRequest request, ServerCallContext context)
    {
        var pool = Requests.Pool(request.Pool);
        if (request.Name.Length == 0)
        {
            throw ApiErrors.InvalidArgument("name", "The volume name is empty; give the new volume's name.");
        }
        ImageFormat? format = null;
        if (request.Format.Length > 0)
        {
            format = DomainXmlNames.ImageFormat.TryParse(request.Format, out var parsed)
                ? parsed
                : throw ApiErrors.InvalidArgument("format", $"'{request.Format}' is not a volume format; use one of {string.Join(", ", DomainXmlNames.ImageFormat.Names)}.");
        }
        VolumeBackingStore? backing = null;
        if (request.BackingVolume.Length > 0)
        {
            ImageFormat? backingFormat = null;
            if (request.BackingFormat.Length > 0)
            {
                backingFormat = DomainXmlNames.ImageFormat.TryParse(request.BackingFormat, out var bf)
                    ? bf
                    : throw ApiErrors.InvalidArgument("backing_format", $"'{request.BackingFormat}' is not a volume format; use one of {string.Join(", ", DomainXmlNames.ImageFormat.Names)}.");
            }
            var backingVolume = await FindBackingAsync(pool, request.BackingVolume, context.CancellationToken).ConfigureAwait(false);
            backing = new VolumeBackingStore(backingVolume.Path, backingFormat ?? backingVolume.Definition.Target.Format, null);
        }
        var definition = new StorageVolumeDefinition
        {
            Name = request.Name,
            CapacityBytes = request.CapacityBytes,
            AllocationBytes = request.HasAllocationBytes ? request.AllocationBytes : 0,
            Target = new VolumeTarget { Format = format },
            BackingStore = backing,
        };
        var xml = StorageVolumeXml.Format(definition);
        if (request.PrintXml)
        {
            return new CreateVolumeAsResponse { Xml = xml };
        }
        var options = new VolumeCreateOptions { PreallocateMetadata = request.PreallocMetadata, Sparse = !request.HasAllocationBytes };
        var created = await driver.CreateVolumeAsync(pool, definition, options, context.CancellationToken).ConfigureAwait(false);
        return new CreateVolumeAsResponse { Volume = ToProto.Summary(created), Xml = xml };
    }

    public override async Task<Job> CreateVolumeFrom(CreateVolumeFromRequest request, ServerCallContext context)
    {
        Requests.Unsupported(request.Reflink, "reflink", "copy-on-write clones (--reflink)");
        var source = await driver.LookupVolumeAsync(Requests.Volume(request.Source, "source"), context.CancellationToken).ConfigureAwait(false);
        var pool = request.Pool is null ? source.PoolUuid.ToString("D") : Requests.Pool(request.Pool);
        StorageVolumeDefinition definition;
        switch (request.TargetCase)
        {
            case CreateVolumeFromRequest.TargetOneofCase.Xml:
                definition = ParseVolume(Requests.Xml(request.Xml));
                break;
            case CreateVolumeFromRequest.TargetOneofCase.NewName:
                ImageFormat? format = source.Definition.Target.Format;
                if (request.Format.Length > 0)
                {
                    format = DomainXmlNames.ImageFormat.TryParse(request.Format, out var parsed)
                        ? parsed
                        : throw ApiErrors.InvalidArgument("format", $"'{request.Format}' is not a volume format; use one of {string.Join(", ", DomainXmlNames.ImageFormat.Names)}.");
                }
                definition = new StorageVolumeDefinition
                {
                    Name = request.NewName,
                    CapacityBytes = source.Definition.CapacityBytes,
                    Target = new VolumeTarget
                    {
                        Format = format,
                        Compat = format == ImageFormat.Qcow2 ? source.Definition.Target.Compat : null,
                        ClusterSizeBytes = format == ImageFormat.Qcow2 ? source.Definition.Target.ClusterSizeBytes : null,
                        LazyRefcounts = format == ImageFormat.Qcow2 && source.Definition.Target.LazyRefcounts,
                    },
                };
                break;
            default:
                throw ApiErrors.InvalidArgument("target", "The request names no new volume: set xml or new_name.");
        }
        await CheckNameFreeAsync(pool, definition.Name, context.CancellationToken).ConfigureAwait(false);
        var total = source.Definition.CapacityBytes;
        var job = jobs.Run(new DriverJobs.JobStart(DriverJobs.JobOperation.VolumeCreateFrom, $"create volume {definition.Name} from {source.Name}") { Volume = DriverJobs.JobVolume.Of(source) }, async handle =>
        {
            handle.Report(DriverJobs.JobProgress.Data("copying", total, 0));
            var options = new VolumeCreateOptions
            {
                PreallocateMetadata = request.PreallocMetadata,
                Source = VolumeLocator.ByPath(source.Path),
                Progress = share => handle.Report(DriverJobs.JobProgress.Data("copying", total, (ulong)(total * share))),
            };
            var volume = await driver.CreateVolumeAsync(pool, definition, options, handle.CancellationToken).ConfigureAwait(false);
            handle.Report(DriverJobs.JobProgress.Data("copying", total, total));
            return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(volume) };
        });
        return await AnswerAsync(job, request.Wait, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<DeleteVolumeResponse> DeleteVolume(DeleteVolumeRequest request, ServerCallContext context)
    {
        var volume = Requests.Volume(request.Volume);
        Requests.Unsupported(request.WithSnapshots, "with_snapshots", "deleting internal snapshots with the volume (--delete-snapshots)");
        if (request.Zeroed)
        {
            await driver.WipeVolumeAsync(volume, VolumeWipeAlgorithm.Zero, progress: null, context.CancellationToken).ConfigureAwait(false);
        }
        await driver.DeleteVolumeAsync(volume, context.CancellationToken).ConfigureAwait(false);
        return new DeleteVolumeResponse();
    }

    public override async Task<Job> WipeVolume(WipeVolumeRequest request, ServerCallContext context)
    {
        var algorithm = (VolumeWipeAlgorithm)(int)request.Algorithm;
        if (!System.Enum.IsDefined(algorithm))
        {
            throw ApiErrors.InvalidArgument("algorithm", $"{(int)request.Algorithm} is not a wipe algorithm.");
        }
        var locator = Requests.Volume(request.Volume);
        var volume = await driver.LookupVolumeAsync(locator, context.CancellationToken).ConfigureAwait(false);
        var total = volume.Definition.CapacityBytes;
        var job = jobs.Run(new DriverJobs.JobStart(DriverJobs.JobOperation.VolumeWipe, $"wipe volume {volume.Name}") { Volume = DriverJobs.JobVolume.Of(volume) }, async handle =>
        {
            handle.Report(DriverJobs.JobProgress.Data("wiping", total, 0));
            var wiped = await driver.WipeVolumeAsync(locator, algorithm, share => handle.Report(DriverJobs.JobProgress.Data("wiping", total, (ulong)(total * share))),
                handle.CancellationToken).ConfigureAwait(false);
            // A zero wipe that punches a hole, or recreates an image format, writes nothing to count: it is all done.
            handle.Report(DriverJobs.JobProgress.Data("wiping", total, total));
            return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(wiped) };
        });
        return await AnswerAsync(job, request.Wait, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<ResizeVolumeResponse> ResizeVolume(ResizeVolumeRequest request, ServerCallContext context)
    {
        var reference = Requests.Volume(request.Volume);
        var capacity = request.CapacityBytes;
        if (request.Delta)
        {
            var current = await driver.LookupVolumeAsync(reference, context.CancellationToken).ConfigureAwait(false);
            var now = current.Definition.CapacityBytes;
            if (request.Shrink)
            {
                capacity = request.CapacityBytes <= now
                    ? now - request.CapacityBytes
                    : throw ApiErrors.InvalidArgument("capacity_bytes", "invalid argument: Can't shrink capacity below or equal to zero");
            }
            else
            {
                capacity = now + request.CapacityBytes;
            }
        }
        var volume = await driver.ResizeVolumeAsync(reference, capacity, request.Allocate, request.Shrink, context.CancellationToken).ConfigureAwait(false);
        return new ResizeVolumeResponse { Volume = ToProto.Summary(volume) };
    }

    public override async Task<Job> UploadVolume(IAsyncStreamReader<UploadVolumeRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct).ConfigureAwait(false) || requestStream.Current.KindCase != UploadVolumeRequest.KindOneofCase.Header)
        {
            throw ApiErrors.InvalidArgument("header", "The first message of an upload must be its header.");
        }
        var header = requestStream.Current.Header;
        if (header.LocalFile is { } local)
        {
            return await UploadFromLocalFileAsync(header, local, requestStream, context).ConfigureAwait(false);
        }
        await using var data = await driver.OpenVolumeDataAsync(Requests.Volume(header.Volume), write: true, header.Offset, ct).ConfigureAwait(false);
        var limit = header.Length > 0 ? header.Length : data.Size - header.Offset;
        using var handle = jobs.Start(new DriverJobs.JobStart(DriverJobs.JobOperation.VolumeUpload, $"upload to volume {data.Volume.Name}") { Volume = DriverJobs.JobVolume.Of(data.Volume) });
        return await TransferAsync(handle, async token =>
        {
            handle.Report(DriverJobs.JobProgress.Data("transferring", limit, 0));
            // Data is written from Kestrel's receive blocks (IDataMessageReader), several messages per write; the
            // connection keeps receiving into the stream's window meanwhile.
            var writer = new DataWriter(data.Stream);
            while (true)
            {
                var read = await requestStream.ReadDataOrMessageAsync(UploadVolumeRequest.DataFieldNumber, DataOf, token).ConfigureAwait(false);
                if (read.Kind == DataOrMessageKind.End)
                {
                    break;
                }
                if (read.Kind != DataOrMessageKind.Data)
                {
                    if (!header.Sparse || read.Message is not { KindCase: UploadVolumeRequest.KindOneofCase.HoleBytes } hole)
                    {
                        throw ApiErrors.InvalidArgument("kind", "After the header an upload carries only data messages (holes need sparse).");
                    }
                    if (hole.HoleBytes > limit - (ulong)writer.Written)
                    {
                        throw ApiErrors.InvalidArgument("hole_bytes", header.Length > 0
                            ? $"The upload's hole runs past the {header.Length} bytes its header announced."
                            : $"The upload's hole runs past the end of volume '{data.Volume.Name}' ({data.Size} bytes).");
                    }
                    // The range must read back as zeroes: punched where the volume can have holes, zeroes written where not.
                    await writer.WriteHoleAsync((long)hole.HoleBytes, SparseFile.MakeHole, token).ConfigureAwait(false);
                    handle.Report(DriverJobs.JobProgress.Data("transferring", limit, (ulong)writer.Written));
                    continue;
                }
                if ((ulong)(writer.Written + read.DataLength) > limit)
                {
                    throw ApiErrors.InvalidArgument("data", header.Length > 0
                        ? $"The upload sent more than the {header.Length} bytes its header announced."
                        : $"The upload runs past the end of volume '{data.Volume.Name}' ({data.Size} bytes); resize it first or send less.");
                }
                await writer.WriteAsync(read, token).ConfigureAwait(false);
                handle.Report(DriverJobs.JobProgress.Data("transferring", limit, (ulong)writer.Written));
            }
            writer.Complete();
            var written = (ulong)writer.Written;
            if (header.Length > 0 && written != header.Length)
            {
                throw new VirtException(VirtErrorReason.OperationInvalid, $"The upload ended after {written} of the {header.Length} bytes its header announced.",
                    new Dictionary<string, string> { ["volume"] = data.Volume.Name });
            }
            await data.Stream.FlushAsync(token).ConfigureAwait(false);
            return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(data.Volume) };
        }, ct).ConfigureAwait(false);

        static ByteString? DataOf(UploadVolumeRequest message) =>
            message.KindCase == UploadVolumeRequest.KindOneofCase.Data ? message.Data : null;
    }

    public override async Task DownloadVolume(DownloadVolumeRequest request, IServerStreamWriter<DownloadVolumeResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var local = request.LocalFile is { } offered ? TakeLocalFile(context, offered, upload: false) : null;
        using var localFile = local?.File;
        await using var data = await driver.OpenVolumeDataAsync(Requests.Volume(request.Volume), write: false, request.Offset, ct).ConfigureAwait(false);
        var available = data.Size - request.Offset;
        var length = request.Length > 0 ? Math.Min(request.Length, available) : available;
        if (local is not null)
        {
            // The caller offered its file: copy into it unless it could not be taken (then the bytes are streamed, and
            // the header says so).
            var volumeFile = data.Stream as FileStream;
            var declined = local.Declined ?? (volumeFile is null ? "the volume is not a file of this host" : null);
            ReportTransfer("download", data.Volume.Name, context, declined);
            if (declined is null)
            {
                await DownloadToLocalFileAsync(request.LocalFile, data, volumeFile!, local.File!, request.Offset, length, request.Sparse, responseStream, ct).ConfigureAwait(false);
                return;
            }
        }
        using var handle = jobs.Start(new DriverJobs.JobStart(DriverJobs.JobOperation.VolumeDownload, $"download volume {data.Volume.Name}") { Volume = DriverJobs.JobVolume.Of(data.Volume) });
        await TransferAsync(handle, async token =>
        {
            handle.Report(DriverJobs.JobProgress.Data("transferring", length, 0));
            await responseStream.WriteAsync(new DownloadVolumeResponse
            {
                Header = new DownloadHeader { Volume = ToProto.Identity(data.Volume), JobId = handle.Id, Length = length },
            }, token).ConfigureAwait(false);
            var sender = new DownloadSender(handle, responseStream, length);
            if (request.Sparse && data.Stream is FileStream volumeFile)
            {
                await SendSparseAsync(sender, volumeFile, request.Offset, length, token).ConfigureAwait(false);
                return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(data.Volume) };
            }
            // Two buffers: the next read overlaps the write of the previous chunk.
            var buffers = new[] { new byte[ChunkBytes], new byte[ChunkBytes] };
            var which = 0;
            var pendingRead = data.Stream.ReadAsync(buffers[which].AsMemory(0, (int)Math.Min((ulong)ChunkBytes, length)), token);
            while (sender.Sent < length)
            {
                var read = await pendingRead.ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                var chunk = buffers[which];
                which ^= 1;
                var next = (int)Math.Min((ulong)ChunkBytes, length - sender.Sent - (ulong)read);
                pendingRead = next > 0 ? data.Stream.ReadAsync(buffers[which].AsMemory(0, next), token) : ValueTask.FromResult(0);
                await sender.SendDataAsync(chunk.AsMemory(0, read), token).ConfigureAwait(false);
            }
            return new DriverJobs.JobResult { Volume = DriverJobs.JobVolume.Of(data.Volume) };
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A --sparse download's body (libvirt's virStreamSparseSendAll): the volume's data extents (SEEK_DATA/SEEK_HOLE)
    /// as data messages, its holes as hole_bytes messages; a volume that reports no holes (a device) is all data.
    /// Holes count as sent in the job's progress.
    /// </summary>
    private static async Task SendSparseAsync(DownloadSender sender, FileStream volume, ulong offset, ulong length, CancellationToken token)
    {
        var buffer = new byte[ChunkBytes];
        foreach (var extent in SparseFile.Extents(volume.SafeFileHandle, (long)offset, (long)(offset + length)))
        {
            if (extent.IsHole)
            {
                await sender.SendAsync(new DownloadVolumeResponse { HoleBytes = (ulong)extent.Length }, (ulong)extent.Length, token).ConfigureAwait(false);
                continue;
            }
            for (var position = extent.Offset; position < extent.Offset + extent.Length;)
            {
                var read = await RandomAccess.ReadAsync(volume.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(ChunkBytes, extent.Offset + extent.Length - position)),
                    position, token).ConfigureAwait(false);
                if (read == 0)
                {
                    // The volume shrank under the download: it ends here, as the plain one does.
                    return;
                }
                await sender.SendDataAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                position += read;
            }
        }
    }

    /// <summary>
    /// Sends a download's body messages and keeps its job's progress: after each message the bytes sent so far (holes
    /// included), and about once a second a progress message on the stream too.
    /// </summary>
    private sealed class DownloadSender(DriverJobs.JobHandle handle, IServerStreamWriter<DownloadVolumeResponse> responseStream, ulong length)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _lastProgress = TimeSpan.Zero;

        /// <summary>The bytes sent so far, holes included.</summary>
        public ulong Sent { get; private set; }

        /// <summary>
        /// Sends a data message. On the wire it is not built: its bytes go from <paramref name="data"/> into the
        /// response pipe (Virt.Rpc IDataMessageWriter), one copy fewer than a serialized message.
        /// </summary>
        public async Task SendDataAsync(ReadOnlyMemory<byte> data, CancellationToken token)
        {
            await responseStream.WriteDataAsync(DownloadVolumeResponse.DataFieldNumber, data, static bytes => new DownloadVolumeResponse { Data = bytes }, token).ConfigureAwait(false);
            await SentAsync((ulong)data.Length, token).ConfigureAwait(false);
        }

        public async Task SendAsync(DownloadVolumeResponse message, ulong bytes, CancellationToken token)
        {
            await responseStream.WriteAsync(message, token).ConfigureAwait(false);
            await SentAsync(bytes, token).ConfigureAwait(false);
        }

        private async Task SentAsync(ulong bytes, CancellationToken token)
        {
            Sent += bytes;
            handle.Report(DriverJobs.JobProgress.Data("transferring", length, Sent));
            if (_clock.Elapsed - _lastProgress >= TimeSpan.FromSeconds(1))
            {
                _lastProgress = _clock.Elapsed;
                await responseStream.WriteAsync(new DownloadVolumeResponse { Progress = JobConversion.Progress(handle.Info.Progress) }, token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs a transfer as <paramref name="handle"/>'s job: it stops when the call ends or CancelJob cancels the job, and
    /// its outcome ends the job. A failed or cancelled transfer fails the call with the job's error ("operation
    /// aborted" for CancelJob), so the caller and ListJobs tell the same story.
    /// </summary>
    private async Task<Job> TransferAsync(DriverJobs.JobHandle handle, Func<CancellationToken, Task<DriverJobs.JobResult>> transfer, CancellationToken call)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(call, handle.CancellationToken);
        try
        {
            return JobConversion.Job(handle.Succeed(await transfer(either.Token).ConfigureAwait(false)));
        }
        catch (Exception e)
        {
            if (call.IsCancellationRequested)
            {
                // The client went away: its job was cancelled by it, not failed.
                TryCancel(handle.Id);
            }
            var ended = handle.Fail(e);
            if (ended.State == DriverJobs.JobState.Cancelled && ended.Error is { } aborted)
            {
                throw aborted;
            }
            throw;
        }
    }

    private void TryCancel(string id)
    {
        try
        {
            jobs.Cancel(id);
        }
        catch (VirtException)
        {
            // Already ended or not cancellable: nothing to do.
        }
    }

    /// <summary>Answers with a background job: at once, or with <paramref name="wait"/> once it has ended (failing with its error).</summary>
    private async Task<Job> AnswerAsync(DriverJobs.JobInfo job, bool wait, CancellationToken ct) =>
        JobConversion.Job(wait ? await jobs.WaitForSuccessAsync(job.Id, ct).ConfigureAwait(false) : job);

    // The new volume's name must be free before its job exists: a clash is the call's error, not a failed job.
    private async Task CheckNameFreeAsync(string pool, string name, CancellationToken ct)
    {
        try
        {
            await driver.LookupVolumeAsync(VolumeLocator.InPool(pool, name), ct).ConfigureAwait(false);
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.StorageVolumeNotFound)
        {
            return;
        }
        throw new VirtException(VirtErrorReason.StorageVolumeExists, $"storage volume '{name}' exists already",
            new Dictionary<string, string> { ["pool"] = pool, ["volume"] = name });
    }

    private async Task<StorageVolumeSummary> FindBackingAsync(string pool, string reference, CancellationToken ct)
    {
        // virsh's --backing-vol: a name in the same pool, then a key, then a path.
        if (!reference.Contains('/', StringComparison.Ordinal))
        {
            return await driver.LookupVolumeAsync(VolumeLocator.InPool(pool, reference), ct).ConfigureAwait(false);
        }
        try
        {
            return await driver.LookupVolumeAsync(VolumeLocator.ByKey(reference), ct).ConfigureAwait(false);
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.StorageVolumeNotFound)
        {
            return await driver.LookupVolumeAsync(VolumeLocator.ByPath(reference), ct).ConfigureAwait(false);
        }
    }

    private static StorageVolumeDefinition ParseVolume(string xml)
    {
        try
        {
            return StorageVolumeXml.Parse(xml);
        }
        catch (DefinitionException e)
        {
            throw VirtException.FromDefinition(e);
        }
    }

    private static PoolBuildMode Mode(PoolBuildOverwrite overwrite) => overwrite switch
    {
        PoolBuildOverwrite.Overwrite => PoolBuildMode.Overwrite,
        PoolBuildOverwrite.NoOverwrite => PoolBuildMode.NoOverwrite,
        PoolBuildOverwrite.Unspecified => PoolBuildMode.Default,
        _ => throw ApiErrors.InvalidArgument("overwrite", $"{(int)overwrite} is not a build mode; use OVERWRITE or NO_OVERWRITE."),
    };
}
