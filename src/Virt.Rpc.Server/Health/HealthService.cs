using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Virt.Rpc.Server.Health;

/// <summary>
/// grpc.health.v1: the status of each service ("" is the server as a whole). <c>Watch</c> streams every change,
/// starting with the current status, until the client leaves or the server stops.
/// </summary>
public sealed class HealthService : Grpc.Health.V1.Health.HealthBase
{
    private readonly ConcurrentDictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Lock _watchersLock = new();
    private readonly List<(string Service, Action<ServingStatus> Notify)> _watchers = [];

    /// <summary>Sets a service's status and notifies its watchers.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        _statuses[service] = status;
        Action<ServingStatus>[] notify;
        lock (_watchersLock)
        {
            notify = _watchers.Where(w => w.Service == service).Select(w => w.Notify).ToArray();
        }
        foreach (var n in notify)
        {
            n(status);
        }
    }

    /// <summary>Marks every known service NOT_SERVING, as a server about to stop.</summary>
    public void SetAllNotServing()
    {
        foreach (var service in _statuses.Keys)
        {
            SetStatus(service, ServingStatus.NotServing);
        }
    }

    /// <inheritdoc />
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        _statuses.TryGetValue(request.Service, out var status)
            ? Task.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(new Status(StatusCode.NotFound, $"No health status is known for service '{request.Service}'."));

    /// <inheritdoc />
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var changes = System.Threading.Channels.Channel.CreateUnbounded<ServingStatus>(new() { SingleReader = true });
        (string, Action<ServingStatus>) watcher = (request.Service, s => changes.Writer.TryWrite(s));
        lock (_watchersLock)
        {
            _watchers.Add(watcher);
        }
        try
        {
            changes.Writer.TryWrite(_statuses.TryGetValue(request.Service, out var current) ? current : ServingStatus.ServiceUnknown);
            var last = (ServingStatus)(-1);
            await foreach (var status in changes.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                if (status != last)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                    last = status;
                }
            }
        }
        finally
        {
            lock (_watchersLock)
            {
                _watchers.Remove(watcher);
            }
        }
    }
}
