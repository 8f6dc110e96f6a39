using System.Globalization;
using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Driver.Jobs;

namespace Virt.Driver.Qemu;

/// <summary>virt-clone (MIGRATION.md, "Clone"): new name, UUID and MACs; disks copied with qemu-img; defined last.</summary>
public sealed partial class QemuDomainDriver : IDomainCloning
{
    public async Task<JobInfo> CloneDomainAsync(DomainCloneRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.NewName);
        var found = Find(Volatile.Read(ref _snapshot), request.Source);
        var unknown = request.Disks.Select(d => d.Target).Except(found.Definition.Devices.Disks.Select(d => d.Target.Dev), StringComparer.Ordinal).FirstOrDefault();
        if (unknown is not null)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The domain has no disk with target '{unknown}'; name the disks by their target (vda, sdb, …).",
                new Dictionary<string, string> { ["disk"] = unknown });
        }
        // What can fail at once (state, name, disk plan) fails the call; the copies are the job. The job holds the
        // original's gate, so it cannot be started or changed while its disks are read.
        var gate = await BeginAsync(found.Uuid, found.Name, "clone", defining: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(found.Uuid) ?? throw VirtException.DomainNotFound(request.Source);
            if (current.State is not (DomainState.Shutoff or DomainState.Paused))
            {
                throw VirtException.OperationInvalid(current.Name, "clone", current.State, "the domain must be shut off or paused while its disks are copied");
            }
            var original = current.InactiveDefinition ?? current.Definition with { Id = null };
            lock (_indexLock)
            {
                CheckUnique(request.NewUuid ?? Guid.Empty, request.NewName);
            }
            var plan = PlanDisks(original, request);
            var start = new JobStart(JobOperation.Clone, $"clone {current.Name} as {request.NewName}") { Domain = JobDomain.Of(current) };
            return _jobs.Run(start, async handle =>
            {
                using (gate)
                {
                    var cloned = await CloneCoreAsync(current, original, request, plan, handle).ConfigureAwait(false);
                    return new JobResult { Domain = JobDomain.Of(cloned) };
                }
            });
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    /// <summary>The copies (progress: bytes of the disks to copy, done so far) and the define; undone on failure or cancel.</summary>
    private async Task<DomainSummary> CloneCoreAsync(DomainSummary current, DomainDefinition original, DomainCloneRequest request, List<CloneStep> plan, JobHandle handle)
    {
        var token = handle.CancellationToken;
        var created = new List<string>();
        try
        {
            var total = (ulong)plan.Where(p => p.CopyFrom is not null).Sum(p => SizeOf(p.CopyFrom!));
            ulong done = 0;
            handle.Report(JobProgress.Data("copying", total, 0));
            var disks = new List<Disk>();
            foreach (var step in plan)
            {
                token.ThrowIfCancellationRequested();
                if (step.Disk is null)
                {
                    continue;
                }
                if (step.CopyFrom is { } from && step.CopyTo is { } to)
                {
                    var size = (ulong)SizeOf(from);
                    var before = done;
                    var phase = $"copying {step.Disk.Target.Dev}";
                    await QemuImgCopy.CopyAsync(from, to, step.Format, fraction =>
                        handle.Report(JobProgress.Data(phase, total, before + (ulong)(size * fraction))), token).ConfigureAwait(false);
                    created.Add(to);
                    done += size;
                    handle.Report(JobProgress.Data(phase, total, done));
                }
                else if (step.VolumeFrom is { } volume && step.NewVolumeName is { } newVolume)
                {
                    var cloner = _options.VolumeCloner ?? throw new VirtException(VirtErrorReason.OperationUnsupported,
                        $"Disk {step.Disk.Target.Dev} is a pool volume, and this daemon has no storage driver to clone it with.");
                    await cloner.CloneAsync(volume.Pool, volume.Volume, newVolume, token).ConfigureAwait(false);
                    created.Add("volume:" + volume.Pool + "/" + newVolume);
                }
                disks.Add(step.Disk);
            }
            var clone = original with
            {
                Name = request.NewName,
                Uuid = request.NewUuid ?? Guid.NewGuid(),
                Id = null,
                Devices = original.Devices with
                {
                    Disks = new ValueList<Disk>(disks),
                    Interfaces = request.KeepMacs ? original.Devices.Interfaces
                        : new ValueList<NetworkInterface>(original.Devices.Interfaces.Select(i => i with { Mac = NewMac() })),
                },
            };
            token.ThrowIfCancellationRequested();
            // Every copy is complete: defining is quick and not undone by an abort.
            handle.SetCancellable(false);
            handle.Report(JobProgress.Data("completed", total, total));
            var cloned = await DefineDomainAsync(DomainXml.Format(clone), CancellationToken.None).ConfigureAwait(false);
            MigrationLog.Cloned(_logger, current.Name, cloned.Name, cloned.Uuid, created.Count);
            return cloned;
        }
        catch
        {
            foreach (var path in created)
            {
                await RemoveCreatedAsync(path).ConfigureAwait(false);
            }
            throw;
        }
    }

    private sealed record CloneStep(Disk? Disk, string? CopyFrom, string? CopyTo, string Format, (string Pool, string Volume)? VolumeFrom, string? NewVolumeName);

    /// <summary>What happens to each disk: virt-clone's defaults, the caller's choices, and the new paths (checked free).</summary>
    private static List<CloneStep> PlanDisks(DomainDefinition original, DomainCloneRequest request)
    {
        var steps = new List<CloneStep>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var disk in original.Devices.Disks)
        {
            var choice = request.Disks.FirstOrDefault(d => d.Target == disk.Target.Dev);
            var mode = choice?.Mode ?? DiskCloneMode.Default;
            if (mode == DiskCloneMode.Default)
            {
                mode = disk.ReadOnly || disk.Shareable || disk.Device is DiskDevice.Cdrom or DiskDevice.Floppy || disk.Source is null ? DiskCloneMode.Share : DiskCloneMode.Copy;
            }
            switch (mode)
            {
                case DiskCloneMode.Omit:
                    steps.Add(new CloneStep(null, null, null, "", null, null));
                    continue;
                case DiskCloneMode.Share:
                    steps.Add(new CloneStep(disk, null, null, "", null, null));
                    continue;
                case DiskCloneMode.Linked:
                    throw new VirtException(VirtErrorReason.OperationUnsupported, $"Linked clones (disk {disk.Target.Dev}) are not supported yet; copy or share the disk.",
                        new Dictionary<string, string> { ["disk"] = disk.Target.Dev });
            }
            var format = DomainXmlNames.ImageFormat.ToXml(disk.Driver?.Format ?? ImageFormat.Raw);
            if (disk.Type == DiskType.Volume && disk.Source is { Pool: { } pool, Volume: { } volume } source)
            {
                var extension = Path.GetExtension(volume);
                var name = choice?.NewPath is { Length: > 0 } asked ? asked : request.NewName + (disk.Target.Dev == original.Devices.Disks[0].Target.Dev ? "" : "-" + disk.Target.Dev) + extension;
                steps.Add(new CloneStep(disk with { Source = source with { Volume = name } }, null, null, format, (pool, volume), name));
                continue;
            }
            if (disk.Type != DiskType.File || disk.Source?.File is not { } file)
            {
                throw new VirtException(VirtErrorReason.OperationUnsupported, $"Disk {disk.Target.Dev} is not a file or a pool volume, so it cannot be copied; share or omit it.",
                    new Dictionary<string, string> { ["disk"] = disk.Target.Dev });
            }
            if (!File.Exists(file))
            {
                throw new VirtException(VirtErrorReason.InvalidArgument, $"Disk {disk.Target.Dev}: '{file}' does not exist, so it cannot be copied.",
                    new Dictionary<string, string> { ["disk"] = disk.Target.Dev, ["path"] = file });
            }
            var target = choice?.NewPath is { Length: > 0 } path ? Path.GetFullPath(path) : FreeName(file, request.NewName, taken);
            if (File.Exists(target) || !taken.Add(target))
            {
                throw new VirtException(VirtErrorReason.StorageVolumeExists, $"Disk {disk.Target.Dev}: '{target}' already exists; give another path or remove it.",
                    new Dictionary<string, string> { ["disk"] = disk.Target.Dev, ["path"] = target });
            }
            if (!Directory.Exists(Path.GetDirectoryName(target)))
            {
                throw new VirtException(VirtErrorReason.InvalidArgument, $"Disk {disk.Target.Dev}: the directory of '{target}' does not exist.",
                    new Dictionary<string, string> { ["disk"] = disk.Target.Dev, ["path"] = target });
            }
            steps.Add(new CloneStep(disk with { Source = disk.Source with { File = target } }, file, target, format, null, null));
        }
        return steps;
    }

    /// <summary>virt-clone --auto-clone's names: beside the original, NEWNAME.EXT, then NEWNAME-1.EXT, …</summary>
    private static string FreeName(string original, string newName, HashSet<string> taken)
    {
        var directory = Path.GetDirectoryName(original) ?? "/";
        var extension = Path.GetExtension(original);
        for (var i = 0; ; i++)
        {
            var candidate = Path.Combine(directory, newName + (i == 0 ? "" : "-" + i.ToString(CultureInfo.InvariantCulture)) + extension);
            if (!File.Exists(candidate) && !taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    private static long SizeOf(string path) => new FileInfo(path).Length;

    private async Task RemoveCreatedAsync(string created)
    {
        try
        {
            if (created.StartsWith("volume:", StringComparison.Ordinal))
            {
                var slash = created.IndexOf('/', StringComparison.Ordinal);
                if (_options.VolumeCloner is { } cloner)
                {
                    await cloner.DeleteAsync(created["volume:".Length..slash], created[(slash + 1)..], CancellationToken.None).ConfigureAwait(false);
                }
            }
            else
            {
                File.Delete(created);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or VirtException)
        {
            MigrationLog.CloneCleanupFailed(_logger, created, e.Message);
        }
    }

    /// <summary>A locally administered address in QEMU's 52:54:00 prefix that no defined domain uses.</summary>
    private string NewMac()
    {
        var used = Volatile.Read(ref _snapshot).ByUuid.Values.SelectMany(d => d.Definition.Devices.Interfaces).Select(i => i.Mac).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Span<byte> bytes = stackalloc byte[3];
        while (true)
        {
            Random.Shared.NextBytes(bytes);
            var mac = $"52:54:00:{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}";
            if (!used.Contains(mac))
            {
                return mac;
            }
        }
    }
}
