using System.Diagnostics;
using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Driver.Jobs;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// virsh save and restore (Save/README.md). Save pauses the guest, has QEMU write its migration state behind a
/// libvirt-layout header (the worker hands QEMU the temp file: <c>getfd</c> + <c>migrate fd:</c>; a compressor or
/// <c>--bypass-cache</c> puts a program in between: <c>migrate exec:</c>), renames the temp file on success and stops
/// the guest. Restore starts QEMU with <c>-incoming defer</c> and has the worker feed it the image
/// from an fd (<c>migrate-incoming fd:N</c>), as a migration's destination does.
/// </summary>
public sealed partial class QemuDomainDriver : IDomainSaving
{
    private const int PausedSave = 3;
    private const int RunningRestored = 3;
    private const int RunningSaveCanceled = 7;
    private const int ShutoffSaved = 5;
    private const int StoppedSaved = 4;

    /// <summary>The name a save's file gets among QEMU's monitor descriptors (getfd), until migrate takes it.</summary>
    private const string SaveFdName = "virt-save";

    private static readonly TimeSpan _streamCloseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest pause between two looks for the writer's end marker (<see cref="WaitStreamClosedAsync"/>).</summary>
    private static readonly TimeSpan _streamCloseLongestPoll = TimeSpan.FromMilliseconds(50);

    public Task<JobInfo> SaveDomainAsync(DomainRef domain, string path, SavedGuestState state, SaveFileOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(options);
        var target = CheckSaveTarget(path);
        if (options.BypassCache)
        {
            DirectIo.RequireForWriting(Path.GetDirectoryName(target)!, $"Cannot save to '{target}' with --bypass-cache");
        }
        return StartSaveAsync(domain, state, new SaveTarget(target, JobOperation.Save, "save", Managed: false) { Options = options }, cancellationToken);
    }

    /// <summary>
    /// The call half of save and managed save: what fails at once fails the call; the job holds the domain's gate
    /// from here to its end.
    /// </summary>
    private async Task<JobInfo> StartSaveAsync(DomainRef domain, SavedGuestState state, SaveTarget target, CancellationToken cancellationToken)
    {
        var found = Find(Volatile.Read(ref _snapshot), domain);
        // virtd's save image format (qemu.conf's save_image_format) applies to save and managed save alike, unless the
        // call names its own (libvirt 11.2's VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT).
        var refusal = $"Cannot save domain '{found.Name}'";
        var format = target.Options.ImageFormat is { } name ? SaveImageCompression.Parse(name, refusal) : _options.SaveImageFormat;
        var compressor = SaveImageCompression.CompressCommand(format, refusal);
        var gate = await BeginAsync(found.Uuid, found.Name, target.Operation, defining: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(found.Uuid) ?? throw VirtException.DomainNotFound(domain);
            RequireGuest(current, target.Operation);
            var path = target.Managed ? PrepareManagedSave(current) : target.Path;
            if (target.Managed && target.Options.BypassCache)
            {
                DirectIo.RequireForWriting(Path.GetDirectoryName(path)!, $"Cannot save domain '{current.Name}' state to '{path}' with --bypass-cache");
            }
            if (!target.Managed && File.Exists(path))
            {
                throw new VirtException(VirtErrorReason.OperationInvalid, $"Cannot save domain '{current.Name}' to '{path}': the file exists; remove it or choose another name.",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = path });
            }
            var wasRunning = current.State == DomainState.Running;
            var recordRunning = state switch { SavedGuestState.Running => true, SavedGuestState.Paused => false, _ => wasRunning };
            var xml = DomainXml.Format(current.Definition with { Id = null });
            if (target.Options.Xml is { } updated)
            {
                // save --xml: the image carries this XML instead of the live one; it must describe the same machine.
                var (document, replacement) = QemuDefinitions.Canonical(QemuDefinitions.Parse(updated, _options), _options);
                SaveImageAbi.Check(path, current.Definition, replacement, $"Cannot save domain '{current.Name}' with the XML given");
                xml = document;
            }
            var description = target.Managed ? $"managedsave {current.Name}" : $"save {current.Name} to {path}";
            var start = new JobStart(target.Job, description) { Domain = JobDomain.Of(current) };
            return _jobs.Run(start, async handle =>
            {
                using (gate)
                {
                    await SaveCoreAsync(current, path, xml, wasRunning, recordRunning, handle, target.Managed, target.Options.BypassCache, format, compressor).ConfigureAwait(false);
                    return new JobResult { Domain = JobDomain.Of(current) };
                }
            });
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    public async Task<JobInfo> RestoreDomainAsync(string path, SavedGuestState state, SaveFileOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var image = await SaveImage.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        var decompressor = image.Decompressor($"Cannot restore from '{image.Path}'");
        if (options.BypassCache)
        {
            DirectIo.RequireForReading(image.Path, $"Cannot restore from '{image.Path}' with --bypass-cache");
        }
        var definition = QemuDefinitions.Canonical(QemuDefinitions.Parse(image.Xml, _options), _options).Definition;
        if (options.Xml is { } updated)
        {
            // restore --xml: the guest runs with this XML instead of the image's; it must describe the same machine.
            var replacement = QemuDefinitions.Canonical(QemuDefinitions.Parse(updated, _options), _options).Definition;
            SaveImageAbi.Check(image.Path, definition, replacement, $"Cannot restore from '{image.Path}' with the XML given");
            definition = replacement;
        }
        var gate = await BeginAsync(definition.Uuid, definition.Name, "restore", defining: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(definition.Uuid);
            if (existing is { IsActive: true })
            {
                throw VirtException.OperationInvalid(existing.Name, "restore", existing.State, $"domain '{existing.Name}' is already active");
            }
            var resume = state switch { SavedGuestState.Running => true, SavedGuestState.Paused => false, _ => image.WasRunning };
            var start = new JobStart(JobOperation.Restore, $"restore {definition.Name} from {image.Path}")
            {
                Domain = new JobDomain(definition.Name, definition.Uuid),
            };
            return _jobs.Run(start, async handle =>
            {
                using (gate)
                {
                    var restored = await RestoreCoreAsync(definition, existing, image, decompressor, resume, handle, options.BypassCache).ConfigureAwait(false);
                    return new JobResult { Domain = JobDomain.Of(restored) };
                }
            });
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The save job: <paramref name="compressor"/> compresses QEMU's stream into the image (null: a raw image), as
    /// <paramref name="format"/> (recorded in the header) says.
    /// </summary>
    private async Task SaveCoreAsync(DomainSummary current, string target, string xml, bool wasRunning, bool recordRunning, JobHandle handle, bool managed, bool bypassCache, SaveImageFormat format, string? compressor)
    {
        var token = handle.CancellationToken;
        var directory = Path.GetDirectoryName(target)!;
        var id = Guid.NewGuid().ToString("N");
        var temp = Path.Combine(directory, $".{Path.GetFileName(target)}.{id}.part");
        // The writer's markers live in the guest's own run directory, not beside FILE: a pipe's process that outlives
        // the clean-up (QEMU reaps only the shell it started) can then only mark there, where the guest's stop
        // removes it, never leave a dotfile in the user's directory.
        var markers = new GuestPaths(current.Uuid, _options);
        CreateGuestDirectory(markers);
        var closed = Path.Combine(markers.GuestDirectory, $"save-{id}.closed");
        var failed = Path.Combine(markers.GuestDirectory, $"save-{id}.failed");
        var guest = RequireGuest(current, "save");
        var pausedBySelf = false;
        SyncBehind? syncBehind = null;
        try
        {
            var headerLength = await SaveImage.CreatePartialAsync(temp, xml, recordRunning, format, token).ConfigureAwait(false);
            // The stream's settings go to QEMU while the vCPUs stop: three worker round trips at once, not in a row.
            var settings = Task.WhenAll(
                ExecuteQmpAsync(current.Uuid, "migrate-set-parameters", new JsonObject { ["max-bandwidth"] = UnlimitedBandwidthBytes }, token),
                EnableMigrationEventsAsync(current.Uuid, token));
            if (wasRunning)
            {
                // libvirt stops the vCPUs first: the image is one consistent instant, and no page is sent twice.
                try
                {
                    await ControlAsync(guest, current, ControlAction.Stop, token, PausedSave).ConfigureAwait(false);
                }
                finally
                {
                    // Whatever the stop did, the settings' calls end before the clean-up sends migrate_cancel.
                    await Task.WhenAny(settings).ConfigureAwait(false);
                }
                pausedBySelf = true;
                Update(current.Uuid, latest => latest is { State: DomainState.Paused } ? latest with { Reason = PausedSave } : latest, null);
            }
            await settings.ConfigureAwait(false);
            syncBehind = SyncBehind.Start(temp);
            // A raw image: QEMU writes the stream into the file itself, behind the header.
            var direct = compressor is null && !bypassCache && await StreamIntoFileAsync(current, temp, token).ConfigureAwait(false);
            if (!direct)
            {
                // Through a program: QEMU 7.2 has no file: URI. cat appends after the header; the marker says cat has
                // written everything and exited. --bypass-cache: dd writes whole 1 MiB blocks with O_DIRECT (the header
                // is 4 KiB-aligned, and GNU dd drops O_DIRECT for a short last block), as libvirt's iohelper does. A
                // compressed format puts its compressor first in the pipe (libvirt: QEMU -> compressor -> iohelper -> file).
                // A writer that fails leaves the other marker instead. In a pipe the compressor's failure would be lost
                // (QEMU's /bin/sh is dash: no pipefail, a pipe's status is dd's), so it makes that marker itself; it
                // does so before it closes the pipe, so before dd ends and the closed marker can appear.
                var writer = bypassCache
                    ? $"dd of={ShellQuote(temp)} oflag=direct,append conv=notrunc iflag=fullblock bs=1M status=none"
                    : $"cat >> {ShellQuote(temp)}";
                if (compressor is not null)
                {
                    writer = bypassCache ? $"{{ {compressor} || : > {ShellQuote(failed)}; }} | {writer}" : $"{compressor} >> {ShellQuote(temp)}";
                }
                var command = $"{writer} && : > {ShellQuote(closed)} || : > {ShellQuote(failed)}";
                await ExecuteQmpAsync(current.Uuid, "migrate", new JsonObject { ["uri"] = "exec:" + command }, token).ConfigureAwait(false);
            }
            var info = await WatchMigrationAsync(current.Uuid, guest, (progress, elapsed) =>
            {
                handle.Report(Stats(progress, elapsed).ToJobProgress());
                return Task.CompletedTask;
            }, token).ConfigureAwait(false);
            var stats = Stats(info, TimeSpan.Zero);
            if (stats.Phase != "completed")
            {
                var why = info?["error-desc"]?.GetValue<string>() ?? stats.Phase;
                throw new VirtException(VirtErrorReason.HypervisorError, $"Cannot save domain '{current.Name}' to '{target}': QEMU reported '{why}'; the domain keeps running.",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = target });
            }
            handle.Report(stats.ToJobProgress() with { DataRemainingBytes = 0 });
            if (!direct)
            {
                await WaitStreamClosedAsync(current, target, closed, failed, token).ConfigureAwait(false);
            }
            if (new FileInfo(temp).Length <= headerLength)
            {
                throw new VirtException(VirtErrorReason.HypervisorError, $"Cannot save domain '{current.Name}' to '{target}': QEMU wrote no guest state.",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = target });
            }
            // The final fsync does not wait for a fdatasync the sync-behind thread may have in progress.
            syncBehind.Stop();
            await SaveImage.CompleteAsync(temp, token).ConfigureAwait(false);
            await syncBehind.DisposeAsync().ConfigureAwait(false);
            syncBehind = null;
            handle.SetCancellable(false);
            // A managed save replaces an image a failed restore left behind; a plain save never overwrites.
            File.Move(temp, target, overwrite: managed);
            File.Delete(closed);
            File.Delete(failed);
            if (managed)
            {
                Update(current.Uuid, latest => latest is null ? null : latest with { HasManagedSave = true }, null);
            }
        }
        catch
        {
            if (syncBehind is not null)
            {
                await syncBehind.DisposeAsync().ConfigureAwait(false);
            }
            await UndoSaveAsync(current, guest, pausedBySelf).ConfigureAwait(false);
            File.Delete(temp);
            File.Delete(closed);
            File.Delete(failed);
            throw;
        }
        // The image is complete under its name: the guest now lives in the file (shut off, reason saved).
        guest.SavedAway = true;
        await KillAsync(guest, Latest(current), graceful: false, CancellationToken.None).ConfigureAwait(false);
        SaveLog.Saved(_logger, current.Name, target);
    }

    /// <summary>
    /// Has QEMU write the stream into <paramref name="temp"/> itself (<c>getfd</c> with the file the worker opens for
    /// appending, then <c>migrate fd:</c>), as libvirt hands QEMU the file: no shell, no <c>cat</c>, no pipe between
    /// them (in a bare-QEMU model of the bench's save, the stream took 46-57 ms this way against 98-106 ms through
    /// <c>exec:cat</c>), and no end marker to wait for: QEMU's file channel writes synchronously, so every byte is in
    /// the file when QEMU reports completed. False when the worker predates passing files (QEMU then refuses getfd): the
    /// caller streams through <c>exec:cat</c>.
    /// </summary>
    private async Task<bool> StreamIntoFileAsync(DomainSummary current, string temp, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteQmpAsync(current.Uuid, "getfd", new JsonObject { ["fdname"] = SaveFdName }, cancellationToken, attachFile: temp).ConfigureAwait(false);
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.HypervisorError)
        {
            SaveLog.StreamThroughShell(_logger, current.Name, e.Message);
            return false;
        }
        try
        {
            await ExecuteQmpAsync(current.Uuid, "migrate", new JsonObject { ["uri"] = "fd:" + SaveFdName }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // migrate takes the descriptor only when it starts; otherwise QEMU would keep the (soon removed) file open.
            try
            {
                await ExecuteQmpAsync(current.Uuid, "closefd", new JsonObject { ["fdname"] = SaveFdName }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (VirtException)
            {
                // Already taken by migrate, or QEMU is gone.
            }
            throw;
        }
        return true;
    }

    /// <summary>
    /// QEMU reports completed once it has handed the last bytes to the writer, which may still be writing them; the
    /// marker appears when it has exited. That is milliseconds later: look after 1 ms, then at doubling intervals (a
    /// fixed 50 ms poll cost every save about 50 ms here). A writer that failed (the compressor, cat or dd exited
    /// non-zero) leaves the <paramref name="failed"/> marker: the image may be truncated, and the save fails.
    /// </summary>
    private static async Task WaitStreamClosedAsync(DomainSummary current, string target, string closed, string failed, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            // The compressor of a pipe marks its failure before dd can end, so before the closed marker can appear.
            if (File.Exists(failed))
            {
                throw new VirtException(VirtErrorReason.HypervisorError, $"Cannot save domain '{current.Name}' to '{target}': the program writing the image failed (the compressor, or the writer behind it); the domain keeps running.",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = target });
            }
            if (File.Exists(closed))
            {
                return;
            }
            if (waited.Elapsed > _streamCloseTimeout)
            {
                throw new VirtException(VirtErrorReason.HypervisorError, $"Cannot save domain '{current.Name}' to '{target}': the state stream was not closed within {_streamCloseTimeout.TotalSeconds:0} s.",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = target });
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _streamCloseLongestPoll.Ticks));
        }
    }

    /// <summary>A failed or cancelled save: stop QEMU's stream and give the guest back its vCPUs if it ran.</summary>
    private async Task UndoSaveAsync(DomainSummary current, RunningGuest guest, bool pausedBySelf)
    {
        try
        {
            await ExecuteQmpAsync(current.Uuid, "migrate_cancel", null, CancellationToken.None).ConfigureAwait(false);
            // Until the migration is over, QEMU still holds the stream: a writer that was blocked (a slow disk) could
            // still finish and create the marker after the clean-up. Once it is over QEMU has closed the channel and
            // reaped the shell (SIGTERM, then SIGKILL), so nothing can write under these names any more.
            await WatchMigrationAsync(current.Uuid, guest, null, CancellationToken.None, done: status => !IsMigrationActive(status), limit: _streamCloseTimeout).ConfigureAwait(false);
            var latest = Latest(current);
            if (pausedBySelf && latest is { IsActive: true, State: DomainState.Paused })
            {
                await ControlAsync(guest, latest, ControlAction.Cont, CancellationToken.None, RunningSaveCanceled).ConfigureAwait(false);
                // libvirt's VIR_DOMAIN_RUNNING_SAVE_CANCELED: "running (save canceled)".
                Update(current.Uuid, after => after is { State: DomainState.Running } ? after with { Reason = RunningSaveCanceled } : after, null);
            }
        }
        catch (VirtException e)
        {
            // Destroyed meanwhile (destroy cancels the job): nothing runs to resume.
            SaveLog.UndoFailed(_logger, current.Name, e.Message);
        }
    }

    /// <summary>The restore job: <paramref name="decompressor"/> turns a compressed image's stream back into QEMU's (<see cref="SaveImage.Decompressor"/>; null: raw).</summary>
    private async Task<DomainSummary> RestoreCoreAsync(DomainDefinition definition, DomainSummary? existing, SaveImage image, string? decompressor, bool resume, JobHandle handle, bool bypassCache = false)
    {
        var token = handle.CancellationToken;
        // The worker opens a raw image and has QEMU load it from that fd as soon as QMP is up (LaunchSpec.incoming_file).
        DomainSummary launched;
        try
        {
            launched = await LaunchAsync(definition, existing, startPaused: true, token, incoming: true, restoreFrom: bypassCache || decompressor is not null ? null : image).ConfigureAwait(false);
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.HypervisorError)
        {
            // QEMU may already have refused the stream while the worker was starting it.
            throw new VirtException(e.Reason, $"Cannot restore from '{image.Path}': {e.Message}", new Dictionary<string, string> { ["path"] = image.Path }, e);
        }
        try
        {
            var guest = RequireGuest(launched, "restore");
            if (!guest.IncomingStarted)
            {
                // --bypass-cache (QEMU cannot read with O_DIRECT's alignment itself: dd reads whole blocks for it, as
                // libvirt's iohelper does), a compressed image (its decompressor between the file and QEMU, as
                // libvirt's), or a worker from before incoming_file: feed the stream through a pipe.
                await EnableMigrationEventsAsync(definition.Uuid, token).ConfigureAwait(false);
                var reader = bypassCache
                    ? $"dd if={ShellQuote(image.Path)} iflag=direct,skip_bytes skip={image.StreamOffset} bs=1M status=none"
                    : $"tail -c +{image.StreamOffset + 1} {ShellQuote(image.Path)}";
                var uri = "exec:" + (decompressor is null ? reader : $"{reader} | {decompressor}");
                await ExecuteQmpAsync(definition.Uuid, "migrate-incoming", new JsonObject { ["uri"] = uri }, token).ConfigureAwait(false);
            }
            var total = (ulong)(image.Length - image.StreamOffset);
            JsonObject? info;
            try
            {
                info = await WatchMigrationAsync(definition.Uuid, guest, (progress, _) =>
                {
                    handle.Report(JobProgress.Data(progress?["status"]?.GetValue<string>() ?? "setup", total, 0));
                    return Task.CompletedTask;
                }, token).ConfigureAwait(false);
            }
            catch (VirtException e) when (e.Reason is VirtErrorReason.OperationInvalid or VirtErrorReason.VmmUnreachable or VirtErrorReason.DomainNotFound)
            {
                // QEMU 7.2 exits when an incoming stream fails to load.
                throw CannotLoad(image, "QEMU could not load the guest state and exited (the file is truncated or corrupt)", e);
            }
            var status = info?["status"]?.GetValue<string>();
            if (status != "completed")
            {
                throw CannotLoad(image, $"QEMU reported '{info?["error-desc"]?.GetValue<string>() ?? status}' while loading the guest state", null);
            }
            // query-migrate says completed a moment before QEMU leaves "inmigrate"; cont is refused until it has.
            await WaitIncomingLandedAsync(definition.Uuid, _ => CannotLoad(image, "QEMU did not finish loading the guest state", null), token).ConfigureAwait(false);
            handle.SetCancellable(false);
            handle.Report(JobProgress.Data("completed", total, total));
            if (resume)
            {
                var current = Find(Volatile.Read(ref _snapshot), DomainRef.ByUuid(definition.Uuid));
                await ControlAsync(RequireGuest(current, "resume"), current, ControlAction.Cont, CancellationToken.None, RunningRestored).ConfigureAwait(false);
                Update(definition.Uuid, latest => latest is { State: DomainState.Running } ? latest with { Reason = RunningRestored } : latest, null);
            }
            SaveLog.Restored(_logger, definition.Name, image.Path);
            return Latest(launched);
        }
        catch
        {
            if (Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(definition.Uuid) is { IsActive: true } copy && _running.TryGetValue(definition.Uuid, out var guest))
            {
                await KillAsync(guest, copy, graceful: false, CancellationToken.None).ConfigureAwait(false);
            }
            throw;
        }
    }

    private static VirtException CannotLoad(SaveImage image, string what, Exception? inner) =>
        new(VirtErrorReason.ImageInvalid, $"Cannot restore from '{image.Path}': {what}; no QEMU is left running.",
            new Dictionary<string, string> { ["path"] = image.Path }, inner);

    private static string CheckSaveTarget(string path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The save file must be an absolute path on the daemon's host, not '{path}'.",
                new Dictionary<string, string> { ["path"] = path ?? "" });
        }
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Cannot save to '{full}': the directory '{directory}' does not exist.",
                new Dictionary<string, string> { ["path"] = full });
        }
        return full;
    }

    /// <summary>Where a save goes: a file the caller names, or the domain's managed save image.</summary>
    private sealed record SaveTarget(string Path, JobOperation Job, string Operation, bool Managed)
    {
        public SaveFileOptions Options { get; init; } = SaveFileOptions.Default;
    }

    /// <summary>One argument for the /bin/sh QEMU runs exec: URIs with.</summary>
    internal static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
