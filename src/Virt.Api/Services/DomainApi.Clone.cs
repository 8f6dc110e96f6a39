using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>virt-clone (CloneDomain) over <see cref="IDomainCloning"/>: answers with its CLONE job (wait = true: once it has ended).</summary>
internal sealed partial class DomainApi
{
    public override async Task<Job> CloneDomain(CloneDomainRequest request, ServerCallContext context)
    {
        var cloning = driver as IDomainCloning ?? throw ApiErrors.Unsupported("source", $"the {driver.Type} driver cannot clone domains.");
        var source = Requests.Domain(request.Source, "source");
        if (request.NewName.Length == 0)
        {
            throw ApiErrors.InvalidArgument("new_name", "The clone needs a name: set new_name.");
        }
        Requests.Unsupported(request.Reflink, "reflink", "copy-on-write (reflink) copies");
        var disks = new List<DiskCloneChoice>();
        foreach (var disk in request.Disks)
        {
            if (disk.Target.Length == 0)
            {
                throw ApiErrors.InvalidArgument("disks.target", "Each disk choice names its disk by target (vda, sdb, …).");
            }
            if (!System.Enum.IsDefined(disk.Mode))
            {
                throw ApiErrors.InvalidArgument("disks.mode", $"{(int)disk.Mode} is not a clone disk mode.");
            }
            disks.Add(new DiskCloneChoice(disk.Target, (DiskCloneMode)(int)disk.Mode, disk.NewPath.Length == 0 ? null : disk.NewPath));
        }
        var clone = new DomainCloneRequest
        {
            Source = source,
            NewName = request.NewName,
            NewUuid = request.NewUuid.Length == 0 ? null : Requests.Uuid(request.NewUuid, "new_uuid"),
            Disks = disks,
            KeepMacs = request.KeepMacs,
        };
        var job = await cloning.CloneDomainAsync(clone, context.CancellationToken).ConfigureAwait(false);
        return JobConversion.Job(request.Wait ? await cloning.Jobs.WaitForSuccessAsync(job.Id, context.CancellationToken).ConfigureAwait(false) : job);
    }
}
