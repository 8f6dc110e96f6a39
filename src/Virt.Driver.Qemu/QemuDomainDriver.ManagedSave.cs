using Virt.Domain;
using Virt.Driver.Jobs;

namespace Virt.Driver.Qemu;

/// <summary>
/// virsh managedsave and its family (Save/README.md): a save to <c>STATE/qemu/save/UUID.save</c>, which the next start
/// restores and then removes (start --force-boot removes it and boots). The image on disk is the truth:
/// <see cref="DomainSummary.HasManagedSave"/> is read from the directory when the driver opens, so it survives virtd.
/// </summary>
public sealed partial class QemuDomainDriver : IDomainManagedSaving
{
    public Task<JobInfo> ManagedSaveDomainAsync(DomainRef domain, SavedGuestState state, SaveFileOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Xml is not null)
        {
            throw new ArgumentException("A managed save keeps the domain's own XML.", nameof(options));
        }
        var target = new SaveTarget("", JobOperation.ManagedSave, "managedsave", Managed: true) { Options = options };
        return StartSaveAsync(domain, state, target, cancellationToken);
    }

    public Task<DomainSummary> StartDomainAsync(DomainRef domain, bool startPaused, bool forceBoot, bool bypassCache, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "start", async current =>
        {
            if (current.IsActive)
            {
                throw VirtException.OperationInvalid(current.Name, "start", current.State, "domain is already running");
            }
            var image = ManagedSavePath(current.Uuid);
            if (File.Exists(image))
            {
                if (!forceBoot)
                {
                    return await StartFromManagedSaveAsync(current, image, startPaused, bypassCache, cancellationToken).ConfigureAwait(false);
                }
                current = RemoveManagedSave(current, image, "start --force-boot");
            }
            return await LaunchAsync(current.Definition, current, startPaused, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DomainSummary> RemoveManagedSaveAsync(DomainRef domain, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "managedsave-remove", current =>
            Task.FromResult(RemoveManagedSave(current, RequireManagedSave(current), "managedsave-remove")), cancellationToken);

    public async Task<string> GetManagedSaveXmlAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var image = await SaveImage.ReadAsync(RequireManagedSave(current), cancellationToken, "read").ConfigureAwait(false);
        return image.Xml;
    }

    public Task DefineManagedSaveXmlAsync(DomainRef domain, string xml, SavedGuestState state, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "managedsave-define", async current =>
        {
            await ReplaceImageXmlAsync(RequireManagedSave(current), xml, state, cancellationToken).ConfigureAwait(false);
            _events.Append(new DomainDefinitionChangedEvent(current.Name, current.Uuid, DefinitionChangeKind.ManagedSave, Live: false, Config: true));
            return current;
        }, cancellationToken);

    private string ManagedSavePath(Guid uuid) => Path.Combine(_options.ManagedSaveDirectory, FileName(uuid) + ".save");

    /// <summary>The managed-save half of <see cref="StartSaveAsync"/>'s checks (under the gate): where the image goes.</summary>
    private string PrepareManagedSave(DomainSummary current)
    {
        if (!current.Persistent)
        {
            throw VirtException.OperationInvalid(current.Name, "managedsave", current.State, "cannot do managed save for transient domain");
        }
        Directory.CreateDirectory(_options.ManagedSaveDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return ManagedSavePath(current.Uuid);
    }

    private string RequireManagedSave(DomainSummary current)
    {
        var path = ManagedSavePath(current.Uuid);
        return File.Exists(path) ? path
            : throw new VirtException(VirtErrorReason.NoSaveImage, $"Domain '{current.Name}' has no managed save image.",
                new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = path });
    }

    private DomainSummary RemoveManagedSave(DomainSummary current, string path, string why)
    {
        File.Delete(path);
        SaveLog.ManagedSaveRemoved(_logger, current.Name, path, why);
        return Update(current.Uuid, latest => latest is null ? null : latest with { HasManagedSave = false },
            subject => new DomainDefinitionChangedEvent(subject.Name, subject.Uuid, DefinitionChangeKind.ManagedSave, Live: false, Config: true)) ?? current;
    }

    /// <summary>
    /// Restores the image as a START job (libvirt reports it so) that this call waits for; the image goes once the
    /// guest runs. A failed restore leaves the image (start --force-boot or managedsave-remove discard it) and no QEMU.
    /// </summary>
    private async Task<DomainSummary> StartFromManagedSaveAsync(DomainSummary current, string path, bool startPaused, bool bypassCache, CancellationToken cancellationToken)
    {
        if (bypassCache)
        {
            DirectIo.RequireForReading(path, $"Cannot start domain '{current.Name}' from its managed save image with --bypass-cache");
        }
        SaveImage image;
        DomainDefinition definition;
        try
        {
            image = await SaveImage.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            definition = QemuDefinitions.Canonical(QemuDefinitions.Parse(image.Xml, _options), _options).Definition;
        }
        catch (VirtException e)
        {
            throw new VirtException(e.Reason is VirtErrorReason.ImageInvalid ? e.Reason : VirtErrorReason.ImageInvalid,
                $"Cannot start domain '{current.Name}' from its managed save image: {e.Message} Use start --force-boot or managedsave-remove to boot afresh.",
                new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = path }, e);
        }
        if (definition.Uuid != current.Uuid || definition.Name != current.Name)
        {
            throw new VirtException(VirtErrorReason.ImageInvalid,
                $"Cannot start domain '{current.Name}' from its managed save image '{path}': the image holds domain '{definition.Name}' ({definition.Uuid}). Use start --force-boot or managedsave-remove to boot afresh.",
                new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = path });
        }
        var decompressor = image.Decompressor($"Cannot start domain '{current.Name}' from its managed save image");
        var resume = !startPaused && image.WasRunning;
        var start = new JobStart(JobOperation.Start, $"start {current.Name} from its managed save image") { Domain = JobDomain.Of(current) };
        var job = _jobs.Run(start, async handle =>
        {
            var restored = await RestoreCoreAsync(definition, current, image, decompressor, resume, handle, bypassCache).ConfigureAwait(false);
            return new JobResult { Domain = JobDomain.Of(restored) };
        });
        // The call holds the domain's gate for the job, so it waits for the end whatever happens to the caller.
        var ended = await _jobs.WaitAsync(job.Id, CancellationToken.None).ConfigureAwait(false);
        if (ended.State != Virt.Driver.Jobs.JobState.Succeeded)
        {
            // The launch committed a summary without the image; it is still there.
            Update(current.Uuid, latest => latest is { IsActive: false } ? latest with { HasManagedSave = File.Exists(path) } : latest, null);
            throw ended.Error ?? new VirtException(VirtErrorReason.Internal, $"Job {ended.Id} ended {ended.State} without an error.");
        }
        File.Delete(path);
        SaveLog.ManagedSaveRemoved(_logger, current.Name, path, "restored by start");
        return Latest(current);
    }

    /// <summary>
    /// Once the driver has loaded and reconnected: marks the domains that have an image (the directory is the truth
    /// across virtd restarts), and removes the temporary files of managed saves that a killed virtd left.
    /// </summary>
    private void LoadManagedSaves()
    {
        var directory = _options.ManagedSaveDirectory;
        if (!Directory.Exists(directory))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('.') && (name.EndsWith(".part", StringComparison.Ordinal) || name.EndsWith(".part.closed", StringComparison.Ordinal)))
            {
                File.Delete(file);
                SaveLog.StaleSaveTemp(_logger, file);
                continue;
            }
            var domain = name.EndsWith(".save", StringComparison.Ordinal) && Guid.TryParseExact(name[..^".save".Length], "D", out var owner)
                ? Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(owner) : null;
            if (domain is null)
            {
                SaveLog.OrphanManagedSave(_logger, file);
                continue;
            }
            if (domain.IsActive)
            {
                // virtd stopped between a start's restore and the image's removal (or a managed save's rename and the
                // guest's stop): the running guest is newer than the image, which must not be restored again.
                File.Delete(file);
                SaveLog.ManagedSaveRemoved(_logger, domain.Name, file, "its domain runs");
                continue;
            }
            Update(domain.Uuid, latest => latest is null ? null : latest with { HasManagedSave = true }, null);
        }
    }
}
