using Grpc.Core;
using Virt.Domain.Xml;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>virt.v1.StorageService: the pool read side (list, lookup, XML) over <see cref="IStoragePoolDriver"/>.</summary>
internal sealed class StorageApi(IStoragePoolDriver driver, EventLog events) : StorageService.StorageServiceBase
{
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
                throw ApiErrors.Unsupported("volume", "this function is not supported by the connection driver: looking up a pool by volume (volumes are not served yet)");
            default:
                throw ApiErrors.InvalidArgument("by", "The request names no pool: set pool, volume or target_path.");
        }
        return new LookupPoolResponse { Pool = ToProto.Summary(pool) };
    }

    public override async Task<GetPoolXmlResponse> GetPoolXml(GetPoolXmlRequest request, ServerCallContext context)
    {
        // One definition per pool until pools can be redefined while active, so inactive is the same document.
        var pool = await driver.LookupPoolAsync(Requests.Pool(request.Pool), context.CancellationToken).ConfigureAwait(false);
        return new GetPoolXmlResponse { Xml = StoragePoolXml.Format(pool.Definition) };
    }
}
