using System.Globalization;
using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Qemu.CommandLine.Devices;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// Resources and statistics of running guests (<see cref="IDomainRuntime"/>): the balloon and vCPU pinning through
/// the worker's QMP pass-through and the kernel's thread affinity, statistics from QMP and /proc. Changes take the
/// domain's job; reads do not. See README.md, "Running guests".
/// </summary>
public sealed partial class QemuDomainDriver : IDomainRuntime, IDomainScreenshot
{
    public Task<DomainSummary> SetMemoryAsync(DomainRef domain, ulong memoryKiB, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "set memory of", async current =>
        {
            var (live, config) = modification.Targets(current, "set memory of");
            if (memoryKiB == 0)
            {
                throw Invalid(current, "invalid argument: memory size must be greater than zero");
            }
            if (config && memoryKiB > Persistent(current).MemoryKiB)
            {
                throw Invalid(current, "invalid argument: cannot set memory higher than max memory");
            }
            if (live)
            {
                if (memoryKiB > current.Definition.MemoryKiB)
                {
                    throw Invalid(current, "invalid argument: cannot set memory higher than max memory");
                }
                if (!current.Definition.Devices.HasMemBalloon)
                {
                    throw VirtException.OperationInvalid(current.Name, "set memory of", current.State,
                        "Unable to change memory of active domain without the balloon device and guest OS balloon driver");
                }
                await ExecuteQmpAsync(current.Uuid, "balloon", new JsonObject { ["value"] = memoryKiB * 1024 }, cancellationToken).ConfigureAwait(false);
            }
            return await ApplyAsync(current, live, config, d => d with { CurrentMemoryKiB = memoryKiB }).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DomainSummary> SetMaxMemoryAsync(DomainRef domain, ulong maxMemoryKiB, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "set maximum memory of", async current =>
        {
            var (live, config) = modification.Targets(current, "set maximum memory of");
            if (live)
            {
                throw new VirtException(VirtErrorReason.OperationUnsupported,
                    "Requested operation is not valid: cannot resize the maximum memory on an active domain (memory hotplug is not supported; use --config)",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["operation"] = "set maximum memory of" });
            }
            if (maxMemoryKiB == 0)
            {
                throw Invalid(current, "invalid argument: memory size must be greater than zero");
            }
            // libvirt lowers the current memory with the maximum.
            return await ApplyAsync(current, live: false, config, d => d with { MemoryKiB = maxMemoryKiB, CurrentMemoryKiB = Math.Min(d.CurrentMemoryKiB, maxMemoryKiB) }).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DomainSummary> SetVcpusAsync(DomainRef domain, uint count, bool maximum, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "set vCPUs of", async current =>
        {
            var (live, config) = modification.Targets(current, "set vCPUs of");
            if (count == 0)
            {
                throw Invalid(current, "invalid argument: a domain needs at least 1 vCPU");
            }
            if (maximum && live)
            {
                throw Invalid(current, "invalid argument: the maximum vCPU count cannot be changed on a running domain; use --config");
            }
            if (live && count != (current.Definition.Vcpu.Current ?? current.Definition.Vcpu.Count))
            {
                throw new VirtException(VirtErrorReason.OperationUnsupported,
                    $"Operation not supported: live vCPU hotplug is not supported; change the count with --config and restart domain '{current.Name}'",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["operation"] = "set vCPUs of" });
            }
            var persistent = Persistent(current);
            if (config && !maximum && count > persistent.Vcpu.Count)
            {
                throw Invalid(current, $"invalid argument: requested vcpus is greater than max allowable vcpus for the persistent domain: {count} > {persistent.Vcpu.Count}");
            }
            var limit = _options.Limits.MaxVcpus;
            if (maximum && count > limit)
            {
                throw new VirtException(VirtErrorReason.ResourceLimit, $"invalid argument: requested vcpus {count} is more than this host allows a domain ({limit})",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["limit"] = limit.ToString(CultureInfo.InvariantCulture) });
            }
            return await ApplyAsync(current, live: false, config, d => maximum ? d.WithMaximumVcpus(count) : d.WithCurrentVcpus(count)).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DomainSummary> PinVcpuAsync(DomainRef domain, uint vcpu, IReadOnlyList<uint> hostCpus, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "pin a vCPU of", async current =>
        {
            var (live, config) = modification.Targets(current, "pin a vCPU of");
            var cpus = CheckHostCpus(current, hostCpus);
            if (live)
            {
                var count = current.Definition.Vcpu.Current ?? current.Definition.Vcpu.Count;
                if (vcpu >= count)
                {
                    throw Invalid(current, $"invalid argument: vcpu {vcpu} is out of range of live cpu count {count}");
                }
                var (_, threads) = await VcpuThreadsAsync(current, cancellationToken).ConfigureAwait(false);
                if (vcpu >= threads.Count)
                {
                    throw Invalid(current, $"invalid argument: vcpu {vcpu} has no thread (QEMU reports {threads.Count})");
                }
                SetAffinity(current, [threads[(int)vcpu]], cpus);
            }
            if (config && vcpu >= Persistent(current).Vcpu.Count)
            {
                throw Invalid(current, $"invalid argument: vcpu {vcpu} is out of range of persistent cpu count {Persistent(current).Vcpu.Count}");
            }
            var cpuset = CpuSet.Format(cpus);
            return await ApplyAsync(current, live, config, d => d.WithVcpuPin(vcpu, cpuset)).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DomainSummary> PinEmulatorAsync(DomainRef domain, IReadOnlyList<uint> hostCpus, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "pin the emulator of", async current =>
        {
            var (live, config) = modification.Targets(current, "pin the emulator of");
            var cpus = CheckHostCpus(current, hostCpus);
            if (live)
            {
                var (pid, vcpuThreads) = await VcpuThreadsAsync(current, cancellationToken).ConfigureAwait(false);
                SetAffinity(current, EmulatorThreads(pid, vcpuThreads), cpus);
            }
            var cpuset = CpuSet.Format(cpus);
            return await ApplyAsync(current, live, config, d => d.WithEmulatorPin(cpuset)).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<IReadOnlyList<VcpuAffinity>> GetVcpuPinInfoAsync(DomainRef domain, bool config, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        if (config || !current.IsActive)
        {
            var definition = config ? PersistentForRead(current, "get the vCPU pinning of") : current.Definition;
            var host = ThreadAffinity.OnlineCpus();
            var all = CpuSet.TryParse(definition.Vcpu.CpuSet) ?? host;
            return [.. Enumerable.Range(0, (int)definition.Vcpu.Count).Select(i =>
                new VcpuAffinity((uint)i, CpuSet.TryParse(definition.CpuTune?.VcpuPins.FirstOrDefault(p => p.Vcpu == (uint)i)?.CpuSet) ?? all))];
        }
        // Live: what the kernel enforces on each vCPU thread, not what was asked for.
        var (pid, threads) = await VcpuThreadsAsync(current, cancellationToken).ConfigureAwait(false);
        return [.. threads.Select((tid, i) => new VcpuAffinity((uint)i, ReadAffinity(current, pid, tid)))];
    }

    public async Task<IReadOnlyList<uint>> GetEmulatorPinInfoAsync(DomainRef domain, bool config, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        if (config || !current.IsActive)
        {
            var definition = config ? PersistentForRead(current, "get the emulator pinning of") : current.Definition;
            return CpuSet.TryParse(definition.CpuTune?.EmulatorPin) ?? CpuSet.TryParse(definition.Vcpu.CpuSet) ?? ThreadAffinity.OnlineCpus();
        }
        var (pid, _) = await VcpuThreadsAsync(current, cancellationToken).ConfigureAwait(false);
        // The main thread is an emulator thread; the others follow it (PinEmulatorAsync sets them all).
        return ReadAffinity(current, pid, pid);
    }

    public async Task<DomainVcpus> GetVcpusAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var persistent = current.Persistent ? Persistent(current).Vcpu : null;
        var live = current.IsActive ? current.Definition.Vcpu : null;
        IReadOnlyList<VcpuThread> threads = [];
        if (current.IsActive)
        {
            var (pid, vcpuThreads) = await VcpuThreadsAsync(current, cancellationToken).ConfigureAwait(false);
            try
            {
                // As libvirt's vcpuinfo: the thread's user and system time from its stat, and the CPU it last ran on.
                threads = [.. vcpuThreads.Select((tid, i) =>
                {
                    var (user, system, processor) = ThreadAffinity.Stat(pid, tid);
                    return new VcpuThread((uint)i, user + system, processor, ThreadAffinity.Get(pid, tid));
                })];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw VirtException.OperationInvalid(current.Name, "read the vCPUs of", current.State, "domain is not running");
            }
        }
        return new DomainVcpus(persistent?.Count ?? 0, persistent is null ? 0 : persistent.Current ?? persistent.Count,
            live?.Count ?? 0, live is null ? 0 : live.Current ?? live.Count, threads);
    }

    public async Task<DomainRuntimeStats> GetStatsAsync(DomainRef domain, DomainStatsGroups groups, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        if (!current.IsActive)
        {
            return await InactiveStatsAsync(current, groups, cancellationToken).ConfigureAwait(false);
        }
        var pid = await QemuPidAsync(current, cancellationToken).ConfigureAwait(false);
        try
        {
            DomainCpuTimes? cpu = null;
            if (groups.HasFlag(DomainStatsGroups.CpuTotal))
            {
                var (user, system, _) = ThreadAffinity.Stat(pid, 0);
                var total = ThreadAffinity.Threads(pid).Aggregate(0UL, (sum, tid) => sum + TryRunNs(pid, tid));
                cpu = new DomainCpuTimes(total, user, system);
            }
            DomainBalloon? balloon = null;
            if (groups.HasFlag(DomainStatsGroups.Balloon))
            {
                var actual = current.Definition.CurrentMemoryKiB;
                if (current.Definition.Devices.HasMemBalloon)
                {
                    var reply = await ExecuteQmpAsync(current.Uuid, "query-balloon", null, cancellationToken).ConfigureAwait(false);
                    actual = (reply?["actual"]?.GetValue<ulong>() ?? actual * 1024) / 1024;
                }
                var rss = ThreadAffinity.StatusField(pid, 0, "VmRSS") is { } text ? ulong.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture) : (ulong?)null;
                balloon = await WithGuestMemoryStatsAsync(current, new DomainBalloon { CurrentKiB = actual, MaximumKiB = current.Definition.MemoryKiB, RssKiB = rss },
                    cancellationToken).ConfigureAwait(false);
            }
            IReadOnlyList<VcpuRuntime>? vcpus = null;
            if (groups.HasFlag(DomainStatsGroups.Vcpu))
            {
                var (_, threads) = await VcpuThreadsAsync(current, cancellationToken).ConfigureAwait(false);
                vcpus = [.. threads.Select((tid, i) =>
                {
                    var (run, wait) = ThreadAffinity.SchedStat(pid, tid);
                    return new VcpuRuntime((uint)i, run, ThreadAffinity.Stat(pid, tid).Processor, null, wait);
                })];
            }
            IReadOnlyList<DiskStats>? disks = null;
            if (groups.HasFlag(DomainStatsGroups.Block))
            {
                disks = await DiskStatsAsync(current, cancellationToken).ConfigureAwait(false);
            }
            IReadOnlyList<NicStats>? nics = groups.HasFlag(DomainStatsGroups.Interface) ? NicStats(current) : null;
            return new DomainRuntimeStats { Domain = current, Cpu = cpu, Balloon = balloon, Vcpus = vcpus, Disks = disks, Interfaces = nics };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // QEMU exited while it was being read: what the caller sees next is the shut-off domain.
            return new DomainRuntimeStats { Domain = Latest(current) };
        }
    }

    /// <summary>
    /// What libvirt's QEMU driver reports of a shut-off domain: the definition's memory and vCPU counts, and each disk's
    /// name, path and sizes from its image (none when the image cannot be read); no counters and no interfaces.
    /// </summary>
    private async Task<DomainRuntimeStats> InactiveStatsAsync(DomainSummary current, DomainStatsGroups groups, CancellationToken cancellationToken)
    {
        var definition = current.Definition;
        List<DiskStats>? disks = null;
        if (groups.HasFlag(DomainStatsGroups.Block))
        {
            disks = [];
            foreach (var disk in definition.Devices.Disks)
            {
                DomainBlockInfo? sizes = null;
                if (DiskLookup.SourcePath(disk) is not null || disk.Source is { Pool: not null, Volume: not null })
                {
                    try
                    {
                        sizes = await InactiveBlockInfoAsync(current.Name, disk, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is VirtException or IOException or UnauthorizedAccessException)
                    {
                        // libvirt leaves the sizes out of an image it cannot read, and reports the rest.
                    }
                }
                disks.Add(new DiskStats
                {
                    Name = disk.Target.Dev,
                    Path = DiskLookup.SourcePath(disk) ?? "",
                    CapacityBytes = sizes?.Capacity,
                    AllocationBytes = sizes?.Allocation,
                    PhysicalBytes = sizes?.Physical,
                });
            }
        }
        return new DomainRuntimeStats
        {
            Domain = current,
            Balloon = groups.HasFlag(DomainStatsGroups.Balloon) ? new DomainBalloon { CurrentKiB = definition.CurrentMemoryKiB, MaximumKiB = definition.MemoryKiB } : null,
            Vcpus = groups.HasFlag(DomainStatsGroups.Vcpu) ? [] : null,
            Disks = disks,
        };
    }

    public Task SendKeyAsync(DomainRef domain, IReadOnlyList<uint> qnumCodes, uint holdTimeMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qnumCodes);
        if (qnumCodes.Count is 0 or > 16)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "invalid argument: send-key takes between 1 and 16 key codes",
                new Dictionary<string, string> { ["domain"] = domain?.ToString() ?? "" });
        }
        return ChangeAsync(domain!, "send keys to", async current =>
        {
            RequireGuest(current, "send keys to");
            var keys = new JsonArray([.. qnumCodes.Select(code => (JsonNode)new JsonObject { ["type"] = "number", ["data"] = code })]);
            var arguments = new JsonObject { ["keys"] = keys };
            if (holdTimeMs > 0)
            {
                arguments["hold-time"] = holdTimeMs;
            }
            await ExecuteQmpAsync(current.Uuid, "send-key", arguments, cancellationToken).ConfigureAwait(false);
            return current;
        }, cancellationToken);
    }

    public async Task<DomainScreenshot> TakeScreenshotAsync(DomainRef domain, uint screen, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var guest = RequireGuest(current, "take a screenshot of");
        if (current.Definition.Devices.Videos.Count == 0 && current.Definition.Devices.Graphics.Count == 0)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported, $"Operation not supported: domain '{current.Name}' has no display (add a <video> device)",
                new Dictionary<string, string> { ["domain"] = current.Name });
        }
        // PNG when this QEMU's screendump has 'format' (7.1 and later; libvirt probes the same argument), else PPM,
        // QEMU's only format before. libvirt prefers PNG too: a tenth of the size for a text console.
        var emulator = current.Definition.Devices.Emulator ?? _options.Emulator;
        var png = (await _capabilities.GetAsync(emulator, cancellationToken).ConfigureAwait(false)).Version.Number >= 7_001_000;
        // QEMU writes the file itself; it goes in the guest's private run directory and is removed once read.
        CreateGuestDirectory(guest.Paths);
        var file = Path.Combine(guest.Paths.GuestDirectory, "screenshot-" + Guid.NewGuid().ToString("N") + (png ? ".png" : ".ppm"));
        try
        {
            var arguments = new JsonObject { ["filename"] = file };
            if (screen > 0)
            {
                // libvirt's qemuDomainScreenshot: screens count through the video cards' heads in order.
                var (device, head) = ScreenDevice(current, screen);
                arguments["device"] = device;
                arguments["head"] = head;
            }
            if (png)
            {
                arguments["format"] = "png";
            }
            await ExecuteQmpAsync(current.Uuid, "screendump", arguments, cancellationToken).ConfigureAwait(false);
            return new DomainScreenshot(png ? "image/png" : "image/x-portable-pixmap", await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static (string Device, uint Head) ScreenDevice(DomainSummary current, uint screen)
    {
        var videos = current.Definition.Devices.Videos;
        var left = screen;
        for (var i = 0; i < videos.Count; i++)
        {
            var heads = videos[i].Heads ?? 1;
            if (left < heads)
            {
                return (DeviceAliases.Indexed("video", i, videos[i].Alias), left);
            }
            left -= heads;
        }
        throw new VirtException(VirtErrorReason.InvalidArgument, $"invalid argument: no such screen ID: {screen}",
            new Dictionary<string, string> { ["domain"] = current.Name, ["screen"] = screen.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>
    /// Applies the definition's pinning, balloon target, display passwords and links that are down to a guest that just
    /// started, as libvirt's qemuProcessSetupVcpus, qemuProcessSetupBalloon, qemuProcessGraphicsSetPassword and
    /// qemuProcessSetLinkStates do; a failure fails the start (the caller destroys the guest).
    /// </summary>
    private async Task ApplyStartupTuningAsync(DomainSummary started, CancellationToken cancellationToken)
    {
        var definition = started.Definition;
        var tune = definition.CpuTune;
        var balloonTarget = definition.Devices.HasMemBalloon && definition.CurrentMemoryKiB < definition.MemoryKiB;
        var statsPeriod = definition.Devices.HasMemBalloon ? definition.Devices.MemBalloon!.StatsPeriod ?? 0 : 0;
        var passwords = definition.Devices.Graphics.Where(g => g.Password is not null).ToList();
        var linksDown = definition.Devices.Interfaces.Select((nic, i) => (nic, i)).Where(n => n.nic.LinkUp == false).ToList();
        if (tune is null && definition.Vcpu.CpuSet is null && !balloonTarget && statsPeriod == 0 && passwords.Count == 0 && linksDown.Count == 0)
        {
            return;
        }
        foreach (var (nic, index) in linksDown)
        {
            // QEMU has no command-line switch for it; libvirt sets it over QMP as well.
            await ExecuteQmpAsync(started.Uuid, "set_link", new JsonObject { ["name"] = DeviceAliases.Indexed("net", index, nic.Alias), ["up"] = false }, cancellationToken).ConfigureAwait(false);
        }
        foreach (var graphics in passwords)
        {
            // The argv asks for a password (password=on, or SPICE ticketing) but never carries it: until this, nobody
            // gets in, so the guest is never reachable without it.
            await ExecuteQmpAsync(started.Uuid, "set_password", new JsonObject
            {
                ["protocol"] = graphics.Type == GraphicsType.Vnc ? "vnc" : "spice",
                ["password"] = graphics.Password,
            }, cancellationToken).ConfigureAwait(false);
        }
        if (tune is not null || definition.Vcpu.CpuSet is not null)
        {
            var (pid, threads) = await VcpuThreadsAsync(started, cancellationToken).ConfigureAwait(false);
            var all = CpuSet.TryParse(definition.Vcpu.CpuSet);
            for (var i = 0; i < threads.Count; i++)
            {
                var pin = CpuSet.TryParse(tune?.VcpuPins.FirstOrDefault(p => p.Vcpu == (uint)i)?.CpuSet) ?? all;
                if (pin is not null)
                {
                    SetAffinity(started, [threads[i]], CheckHostCpus(started, pin));
                }
            }
            if ((CpuSet.TryParse(tune?.EmulatorPin) ?? all) is { } emulator)
            {
                SetAffinity(started, EmulatorThreads(pid, threads), CheckHostCpus(started, emulator));
            }
        }
        if (balloonTarget)
        {
            await ExecuteQmpAsync(started.Uuid, "balloon", new JsonObject { ["value"] = definition.CurrentMemoryKiB * 1024 }, cancellationToken).ConfigureAwait(false);
        }
        if (statsPeriod > 0)
        {
            await SetStatsPollingIntervalAsync(started, statsPeriod, cancellationToken).ConfigureAwait(false);
        }
    }


    private static DomainDefinition Persistent(DomainSummary current) =>
        current.IsActive ? current.InactiveDefinition ?? current.Definition with { Id = null } : current.Definition;

    private static DomainDefinition PersistentForRead(DomainSummary current, string operation) =>
        current.Persistent
            ? Persistent(current)
            : throw VirtException.OperationInvalid(current.Name, operation, current.State, "transient domains do not have any persistent config");

    /// <summary>
    /// Commits an edit to the live definition (memory and RUN/qemu/UUID.xml) and/or the persistent one (durably,
    /// through the store), after whatever it describes has been done to the guest.
    /// </summary>
    private async Task<DomainSummary> ApplyAsync(DomainSummary current, bool live, bool config, Func<DomainDefinition, DomainDefinition> edit)
    {
        var next = current;
        if (config)
        {
            var persistent = Persistent(current);
            var (document, definition) = QemuDefinitions.Canonical(edit(persistent), _options);
            if (definition != persistent)
            {
                await SaveDefinitionAsync(definition, document).ConfigureAwait(false);
                next = Update(current.Uuid, latest => latest!.IsActive
                    ? latest with { InactiveDefinition = definition == latest.Definition with { Id = null } ? null : definition }
                    : latest with { Definition = definition }, null)!;
            }
        }
        if (live)
        {
            var (document, definition) = QemuDefinitions.Canonical(edit(current.Definition), _options, live: true);
            if (definition != current.Definition)
            {
                await _liveDefinitions.SaveAsync(FileName(current.Uuid), document, CancellationToken.None).ConfigureAwait(false);
                // The persistent definition stays what it was: keep it apart once the live one differs.
                next = Update(current.Uuid, latest => latest!.IsActive
                    ? latest with { Definition = definition, InactiveDefinition = latest.InactiveDefinition ?? (latest.Persistent ? latest.Definition with { Id = null } : null) }
                    : latest, null)!;
            }
        }
        return next;
    }

    private static VirtException Invalid(DomainSummary current, string message) =>
        new(VirtErrorReason.InvalidArgument, message, new Dictionary<string, string> { ["domain"] = current.Name });

    /// <summary>The CPUs, checked against the host's online CPUs (libvirt refuses a pin the host cannot honour).</summary>
    private static IReadOnlyList<uint> CheckHostCpus(DomainSummary current, IReadOnlyList<uint> cpus)
    {
        if (cpus.Count == 0)
        {
            throw Invalid(current, "invalid argument: the CPU list is empty; name at least one host CPU");
        }
        var online = ThreadAffinity.OnlineCpus();
        var missing = cpus.Where(c => !online.Contains(c)).ToList();
        return missing.Count == 0
            ? [.. cpus.Distinct().Order()]
            : throw Invalid(current, $"invalid argument: host CPU {CpuSet.Format(missing)} is not online on this host (online: {CpuSet.Format(online)})");
    }

    private async Task<int> QemuPidAsync(DomainSummary current, CancellationToken cancellationToken)
    {
        var guest = RequireGuest(current, "read the threads of");
        var response = await CallAsync(guest, current.Name, new WorkerRequest { Status = new StatusRequest() }, cancellationToken).ConfigureAwait(false);
        return response.Status.QemuPid > 0 && !response.Status.HasQemuExit
            ? response.Status.QemuPid
            : throw VirtException.OperationInvalid(current.Name, "read the threads of", current.State, "domain is not running");
    }

    /// <summary>QEMU's pid and each vCPU's thread id, by vCPU index (QMP query-cpus-fast).</summary>
    private async Task<(int Pid, IReadOnlyList<int> Threads)> VcpuThreadsAsync(DomainSummary current, CancellationToken cancellationToken)
    {
        var pid = await QemuPidAsync(current, cancellationToken).ConfigureAwait(false);
        var reply = await ExecuteQmpAsync(current.Uuid, "query-cpus-fast", null, cancellationToken).ConfigureAwait(false);
        var threads = (reply as JsonArray ?? [])
            .Select(cpu => (Index: cpu?["cpu-index"]?.GetValue<int>() ?? -1, Thread: cpu?["thread-id"]?.GetValue<int>() ?? 0))
            .Where(c => c.Index >= 0 && c.Thread > 0).OrderBy(c => c.Index).Select(c => c.Thread).ToList();
        return (pid, threads);
    }

    /// <summary>Every QEMU thread that is not a vCPU: the main loop, I/O and RCU threads (libvirt's "emulator").</summary>
    private static IReadOnlyList<int> EmulatorThreads(int pid, IReadOnlyList<int> vcpuThreads)
    {
        var vcpus = vcpuThreads.ToHashSet();
        return [.. ThreadAffinity.Threads(pid).Where(tid => !vcpus.Contains(tid))];
    }

    private static void SetAffinity(DomainSummary current, IReadOnlyList<int> threads, IReadOnlyList<uint> cpus)
    {
        foreach (var tid in threads)
        {
            try
            {
                ThreadAffinity.Set(tid, cpus);
            }
            catch (IOException e)
            {
                throw new VirtException(VirtErrorReason.HypervisorError, $"Cannot pin domain '{current.Name}' to CPUs {CpuSet.Format(cpus)}: {e.Message}",
                    new Dictionary<string, string> { ["domain"] = current.Name }, e);
            }
        }
    }

    private static IReadOnlyList<uint> ReadAffinity(DomainSummary current, int pid, int tid)
    {
        try
        {
            return ThreadAffinity.Get(pid, tid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw VirtException.OperationInvalid(current.Name, "read the affinity of", current.State, "domain is not running");
        }
    }

    private static ulong TryRunNs(int pid, int tid)
    {
        try
        {
            return ThreadAffinity.SchedStat(pid, tid).RunNs;
        }
        catch (IOException)
        {
            // A thread that ended between the listing and the read.
            return 0;
        }
    }

    /// <summary>
    /// Per-disk counters from query-blockstats, with the sizes libvirt's domstats gives (block.N.capacity: the image's
    /// virtual size, allocation: the highest offset written, physical: the host bytes in use) from query-block.
    /// </summary>
    private async Task<IReadOnlyList<DiskStats>> DiskStatsAsync(DomainSummary current, CancellationToken cancellationToken)
    {
        var reply = await ExecuteQmpAsync(current.Uuid, "query-blockstats", null, cancellationToken).ConfigureAwait(false) as JsonArray ?? [];
        var blocks = await ExecuteQmpAsync(current.Uuid, "query-block", null, cancellationToken).ConfigureAwait(false) as JsonArray ?? [];
        List<DiskStats> result = [];
        foreach (var disk in current.Definition.Devices.Disks)
        {
            var entry = EntryForDisk(reply, disk);
            var stats = entry?["stats"];
            ulong Value(string key) => stats?[key]?.GetValue<ulong>() ?? 0;
            var image = EntryForDisk(blocks, disk)?["inserted"]?["image"];
            result.Add(new DiskStats
            {
                Name = disk.Target.Dev,
                Path = DiskLookup.SourcePath(disk) ?? "",
                Counters = new DiskCounters
                {
                    ReadRequests = Value("rd_operations"),
                    ReadBytes = Value("rd_bytes"),
                    ReadTimeNs = Value("rd_total_time_ns"),
                    WriteRequests = Value("wr_operations"),
                    WriteBytes = Value("wr_bytes"),
                    WriteTimeNs = Value("wr_total_time_ns"),
                    FlushRequests = Value("flush_operations"),
                    FlushTimeNs = Value("flush_total_time_ns"),
                },
                CapacityBytes = image?["virtual-size"]?.GetValue<ulong>(),
                AllocationBytes = (entry?["parent"]?["stats"] ?? stats)?["wr_highest_offset"]?.GetValue<ulong>(),
                PhysicalBytes = image?["actual-size"]?.GetValue<ulong>() ?? image?["virtual-size"]?.GetValue<ulong>(),
            });
        }
        return result;
    }

    /// <summary>
    /// Interfaces with a host-side device (a tap named by &lt;target dev&gt;) have its counters, from the host's point
    /// of view swapped into the guest's (libvirt does the same); user-mode networking has no device and no counters.
    /// </summary>
    private static List<NicStats> NicStats(DomainSummary current)
    {
        List<NicStats> result = [];
        foreach (var nic in current.Definition.Devices.Interfaces)
        {
            var device = nic.TargetDev;
            if (string.IsNullOrEmpty(device) || !Directory.Exists($"/sys/class/net/{device}/statistics"))
            {
                continue;
            }
            ulong Read(string name) => ulong.TryParse(File.ReadAllText($"/sys/class/net/{device}/statistics/{name}").Trim(), CultureInfo.InvariantCulture, out var v) ? v : 0;
            result.Add(new NicStats
            {
                Name = device,
                Mac = nic.Mac ?? "",
                RxBytes = Read("tx_bytes"),
                RxPackets = Read("tx_packets"),
                RxErrors = Read("tx_errors"),
                RxDrops = Read("tx_dropped"),
                TxBytes = Read("rx_bytes"),
                TxPackets = Read("rx_packets"),
                TxErrors = Read("rx_errors"),
                TxDrops = Read("rx_dropped"),
            });
        }
        return result;
    }
}
