using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// virt.v1.EventService over <see cref="EventLog"/>: replay after a cursor, a gap marker when the cursor is too old or
/// from another epoch, caught-up, then live events; filters by family and object.
/// </summary>
internal sealed class EventApi(EventLog events, VirtApiOptions options) : EventService.EventServiceBase
{
    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<SubscribeResponse> responseStream, ServerCallContext context)
    {
        var filter = EventFilter.From(request);
        var epoch = events.Epoch;
        // Read before registering, so the cursor this stream reports can only be behind what it delivers, never ahead.
        var latest = events.LatestSequence;
        ulong after;
        bool fromOldest;
        if (request.Epoch.Length > 0 && request.Epoch != epoch || request.AfterSequence > latest)
        {
            // Another epoch, or a cursor from the future: the log was reset, so the cursor means nothing here.
            var oldest = events.OldestRetainedSequence;
            await responseStream.WriteAsync(new SubscribeResponse
            {
                Gap = new StreamGap
                {
                    Reason = StreamGapReason.EpochChanged,
                    RequestedAfterSequence = request.AfterSequence,
                    OldestRetainedSequence = oldest,
                    Epoch = epoch,
                },
            }, context.CancellationToken).ConfigureAwait(false);
            (after, fromOldest) = (0, true);
        }
        else if (request.FromOldestRetained)
        {
            (after, fromOldest) = (0, true);
        }
        else if (request.AfterSequence == 0)
        {
            // "Only new events": resume from what is newest now. An empty log has nothing to replay either way, and
            // replaying from its start also covers events that arrive before the subscription is registered.
            (after, fromOldest) = latest == 0 ? (0UL, true) : (latest, false);
        }
        else
        {
            (after, fromOldest) = (request.AfterSequence, false);
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, options.Stopping);
        var considered = fromOldest ? 0 : after;
        try
        {
            await foreach (var item in events.SubscribeAsync(after, fromOldest, stopping.Token).ConfigureAwait(false))
            {
                SubscribeResponse response;
                if (item.GapOldestRetained is { } oldestRetained)
                {
                    response = new SubscribeResponse
                    {
                        Gap = new StreamGap
                        {
                            Reason = StreamGapReason.Expired,
                            RequestedAfterSequence = request.AfterSequence,
                            OldestRetainedSequence = oldestRetained,
                            Epoch = epoch,
                        },
                    };
                }
                else if (item.IsCaughtUp)
                {
                    // The newest sequence this stream has accounted for (delivered or filtered out): a safe cursor.
                    response = new SubscribeResponse { CaughtUp = new CaughtUp { LatestSequence = Math.Max(considered, fromOldest ? latest : after), Epoch = epoch } };
                }
                else if (item.Event is { } logged)
                {
                    considered = Math.Max(considered, logged.Sequence);
                    if (!filter.Matches(logged.Event))
                    {
                        continue;
                    }
                    response = new SubscribeResponse { Event = ToProto.Event(logged) };
                }
                else
                {
                    continue;
                }
                await responseStream.WriteAsync(response, stopping.Token).ConfigureAwait(false);
            }
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.ResourceLimit)
        {
            throw new VirtException(VirtErrorReason.ResourceLimit, e.Message, new Dictionary<string, string> { ["limit"] = "eventBuffer" }, e);
        }
        catch (OperationCanceledException) when (options.Stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new VirtException(VirtErrorReason.DaemonStopping, "The daemon is shutting down; reconnect and resume from the last sequence processed.");
        }
    }

    public override Task<GetLatestSequenceResponse> GetLatestSequence(GetLatestSequenceRequest request, ServerCallContext context) =>
        Task.FromResult(new GetLatestSequenceResponse
        {
            // Oldest first: a concurrent append can only make latest larger, never leave oldest > latest + 1.
            OldestRetainedSequence = events.OldestRetainedSequence is var oldest && oldest > events.LatestSequence ? 0 : oldest,
            LatestSequence = events.LatestSequence,
            Epoch = events.Epoch,
        });

    /// <summary>SubscribeRequest's families and object filters.</summary>
    private sealed record EventFilter(HashSet<EventFamily> Families, HashSet<string> DomainNames, HashSet<Guid> DomainUuids, HashSet<string> Pools)
    {
        public static EventFilter From(SubscribeRequest request)
        {
            var families = new HashSet<EventFamily>();
            foreach (var family in request.Families)
            {
                if (family == EventFamily.Unspecified)
                {
                    throw ApiErrors.InvalidArgument("families", "families holds EVENT_FAMILY_UNSPECIFIED; name the families to deliver, or leave it empty for all.");
                }
                families.Add(family);
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            var uuids = new HashSet<Guid>();
            foreach (var domain in request.Domains)
            {
                switch (domain.RefCase)
                {
                    case Virt.Protocol.V1.DomainRef.RefOneofCase.Name when domain.Name.Length > 0:
                        names.Add(domain.Name);
                        break;
                    case Virt.Protocol.V1.DomainRef.RefOneofCase.Uuid:
                        uuids.Add(Requests.Uuid(domain.Uuid, "domains.uuid"));
                        break;
                    case Virt.Protocol.V1.DomainRef.RefOneofCase.Id:
                        throw ApiErrors.InvalidArgument("domains.id", "Event filters name domains by name or UUID; ids change at every start.");
                    default:
                        throw ApiErrors.InvalidArgument("domains", "An entry of domains names no domain: set its name or uuid.");
                }
            }
            // Networks filters select network events, none of which are produced yet; they are checked so that a
            // malformed one fails now rather than when those events arrive.
            foreach (var network in request.Networks)
            {
                Requests.Network(network);
            }
            var pools = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pool in request.Pools)
            {
                pools.Add(Requests.Pool(pool, "pools"));
            }
            return new EventFilter(families, names, uuids, pools);
        }

        public bool Matches(VirtEvent virtEvent) => virtEvent switch
        {
            Virt.Driver.DomainLifecycleEvent lifecycle =>
                (Families.Count == 0 || Families.Contains(EventFamily.DomainLifecycle))
                && (DomainNames.Count == 0 && DomainUuids.Count == 0 || DomainNames.Contains(lifecycle.Name) || DomainUuids.Contains(lifecycle.Uuid)),
            Virt.Driver.DomainDefinitionChangedEvent changed =>
                (Families.Count == 0 || Families.Contains(EventFamily.DomainDefinitionChanged))
                && (DomainNames.Count == 0 && DomainUuids.Count == 0 || DomainNames.Contains(changed.Name) || DomainUuids.Contains(changed.Uuid)),
            Virt.Driver.Jobs.JobStateChangedEvent job => MatchesJob(EventFamily.JobStateChanged, job.Job),
            Virt.Driver.Jobs.JobProgressEvent progress => MatchesJob(EventFamily.JobProgress, progress.Job),
            Virt.Driver.PoolLifecycleEvent pool => MatchesPool(EventFamily.PoolLifecycle, pool.Name, pool.Uuid),
            Virt.Driver.PoolRefreshEvent refresh => MatchesPool(EventFamily.PoolRefresh, refresh.Name, refresh.Uuid),
            Virt.Driver.VolumeLifecycleEvent volume => MatchesPool(EventFamily.VolumeLifecycle, volume.PoolName, volume.PoolUuid),
            // Kinds this API cannot describe yet go out without payload only to unfiltered subscribers.
            _ => Families.Count == 0 && DomainNames.Count == 0 && DomainUuids.Count == 0 && Pools.Count == 0,
        };

        // Pools are named as the request named them: by name or by UUID (Requests.Pool keeps either as text).
        private bool MatchesPool(EventFamily family, string name, Guid uuid) =>
            (Families.Count == 0 || Families.Contains(family))
            && (Pools.Count == 0 || Pools.Contains(name) || Pools.Contains(uuid.ToString("D")));

        // A domain filter keeps the jobs on those domains only (volume jobs have none); a pool filter keeps the
        // volume jobs of those pools only.
        private bool MatchesJob(EventFamily family, Virt.Driver.Jobs.JobInfo job) =>
            (Families.Count == 0 || Families.Contains(family))
            && (DomainNames.Count == 0 && DomainUuids.Count == 0
                || job.Domain is { } domain && (DomainNames.Contains(domain.Name) || DomainUuids.Contains(domain.Uuid)))
            && (Pools.Count == 0 || job.Volume is not { } volume || Pools.Contains(volume.PoolName) || Pools.Contains(volume.PoolUuid.ToString("D")));
    }
}
