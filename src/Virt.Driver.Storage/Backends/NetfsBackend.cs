using Virt.Domain.Storage;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage.Backends;

/// <summary>
/// <c>netfs</c> pools: a remote directory (NFS by default, or CIFS) mounted on the target. Defined and validated
/// everywhere; starting needs the kernel's client and the mount helper, and where either is missing start fails
/// with <see cref="VirtErrorReason.OperationUnsupported"/> saying which.
/// </summary>
internal sealed class NetfsBackend : DirBackend
{
    public override StoragePoolType Type => StoragePoolType.Netfs;

    public override StoragePoolDefinition Normalize(StoragePoolDefinition pool)
    {
        var normalized = base.Normalize(pool);
        if (pool.Source.Hosts.Count != 1)
        {
            throw Invalid("A netfs pool needs exactly one <source><host name='…'/>.", "source/host");
        }
        if (string.IsNullOrEmpty(pool.Source.Dir))
        {
            throw Invalid("A netfs pool needs <source><dir path='…'/>: the exported directory.", "source/dir");
        }
        return normalized with { Source = pool.Source with { Format = pool.Source.Format ?? "auto" } };
    }

    public override Task BuildAsync(StoragePoolDefinition pool, PoolBuildMode mode, CancellationToken ct) => base.BuildAsync(pool, PoolBuildMode.Default, ct);

    public override async Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var target = Target(pool);
        if (MountTable.IsMounted(target))
        {
            return;
        }
        var kind = pool.Source.Format is null or "auto" ? "nfs" : pool.Source.Format;
        var helper = kind == "cifs" ? "mount.cifs" : kind == "glusterfs" ? "mount.glusterfs" : "mount.nfs";
        var missing = new List<string>();
        if (!MountTable.KernelSupports(kind == "nfs" ? "nfs" : kind))
        {
            missing.Add($"the kernel has no {kind} client ('{kind}' is not in /proc/filesystems)");
        }
        if (ToolRunner.Find(helper) is null)
        {
            missing.Add($"{helper} is not installed");
        }
        if (missing.Count > 0)
        {
            throw NotSupportedHere(Type, string.Join("; ", missing));
        }
        await base.StartAsync(pool, ct).ConfigureAwait(false);
        var host = pool.Source.Hosts[0].Name;
        var source = kind == "cifs" ? $"//{host}/{pool.Source.Dir!.TrimStart('/')}" : $"{host}:{pool.Source.Dir}";
        await ToolRunner.RunCheckedAsync("mount", ["-t", kind, source, target], $"mount {source} on {target}", ct).ConfigureAwait(false);
    }

    public override async Task StopAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        if (MountTable.IsMounted(Target(pool)))
        {
            await ToolRunner.RunCheckedAsync("umount", [Target(pool)], $"unmount {Target(pool)}", ct).ConfigureAwait(false);
        }
    }
}
