namespace Virt.Driver.Qemu;

/// <summary>Per-domain serialisation, the name and UUID claims that keep definitions unique, and the commit.</summary>
public sealed partial class QemuDomainDriver
{
    /// <summary>
    /// Runs <paramref name="change"/> as a job on an existing domain: it sees the domain as committed once the job
    /// holds the domain's gate, and returns what to hand back (after committing it).
    /// </summary>
    private async Task<DomainSummary> ChangeAsync(DomainRef domain, string operation, Func<DomainSummary, Task<DomainSummary>> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        var found = Find(Volatile.Read(ref _snapshot), domain);
        using var job = await BeginAsync(found.Uuid, found.Name, operation, defining: false, cancellationToken).ConfigureAwait(false);
        // Undefined while this call waited for the gate?
        var current = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(found.Uuid) ?? throw VirtException.DomainNotFound(domain);
        return await change(current).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims <paramref name="uuid"/> and <paramref name="name"/> and waits for the domain's gate. A define first checks
    /// that neither belongs to another domain, committed or in flight (libvirt's virDomainObjListAddLocked wording).
    /// </summary>
    private async Task<DomainJob> BeginAsync(Guid uuid, string name, string operation, bool defining, CancellationToken cancellationToken)
    {
        DomainGate? gate;
        lock (_indexLock)
        {
            if (defining)
            {
                CheckUnique(uuid, name);
            }
            if (!_gates.TryGetValue(uuid, out gate))
            {
                gate = new DomainGate(name);
                _gates.Add(uuid, gate);
                // Never take a name from another domain's call: a call on a domain that was undefined meanwhile may
                // arrive while a new domain of the same name is being defined; it will find its domain gone.
                _claimedNames.TryAdd(name, uuid);
            }
            gate.Users++;
        }
        try
        {
            if (!await gate.Semaphore.WaitAsync(_options.JobWaitTimeout, cancellationToken).ConfigureAwait(false))
            {
                var running = gate.RunningJob ?? "another";
                throw new VirtException(VirtErrorReason.JobBusy,
                    $"Cannot {operation} domain '{name}': its {running} job did not finish within {_options.JobWaitTimeout.TotalSeconds:0.#} s; try again when it is done.",
                    new Dictionary<string, string> { ["domain"] = name, ["job"] = running, ["operation"] = operation });
            }
        }
        catch
        {
            Leave(uuid, gate);
            throw;
        }
        gate.RunningJob = operation;
        return new DomainJob(this, uuid, gate);
    }

    private void CheckUnique(Guid uuid, string name)
    {
        var snapshot = _snapshot;
        var holder = snapshot.ByUuid.TryGetValue(uuid, out var byUuid) ? byUuid.Name : _gates.TryGetValue(uuid, out var gate) ? gate.Name : null;
        if (holder is not null && holder != name)
        {
            throw VirtException.DomainExists(name, $"domain '{holder}' is already defined with uuid {uuid}");
        }
        var owner = snapshot.ByName.TryGetValue(name, out var byName) ? byName.Uuid : _claimedNames.TryGetValue(name, out var claimed) ? claimed : (Guid?)null;
        if (owner is { } other && other != uuid)
        {
            throw VirtException.DomainExists(name, $"domain '{name}' already exists with uuid {other}");
        }
    }

    private void Leave(Guid uuid, DomainGate gate)
    {
        lock (_indexLock)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(uuid);
                if (_claimedNames.TryGetValue(gate.Name, out var claimed) && claimed == uuid)
                {
                    _claimedNames.Remove(gate.Name);
                }
            }
        }
    }

    /// <summary>
    /// Publishes a change computed from the domain as last committed (null: gone; <paramref name="change"/> gets null
    /// when it is unknown), and its event, under the index lock: run-state changes from a worker's events and
    /// definition changes from jobs never overwrite each other. Returns the new summary (or the one before, when
    /// <paramref name="returnLatest"/>).
    /// </summary>
    private DomainSummary? Update(Guid uuid, Func<DomainSummary?, DomainSummary?> change, Func<DomainSummary, VirtEvent?>? lifecycle, bool returnLatest = false)
    {
        lock (_indexLock)
        {
            var snapshot = _snapshot;
            var latest = snapshot.ByUuid.GetValueOrDefault(uuid);
            var next = change(latest);
            var byName = snapshot.ByName;
            var byUuid = snapshot.ByUuid;
            if (latest is not null && (next is null || next.Name != latest.Name))
            {
                byName = byName.Remove(latest.Name);
            }
            if (next is null)
            {
                byUuid = byUuid.Remove(uuid);
            }
            else
            {
                byName = byName.SetItem(next.Name, next);
                byUuid = byUuid.SetItem(uuid, next);
            }
            Volatile.Write(ref _snapshot, new Snapshot(byName, byUuid));
            if ((latest ?? next) is { } subject && lifecycle?.Invoke(subject) is { } lifecycleEvent)
            {
                _events.Append(lifecycleEvent);
            }
            return returnLatest ? latest : next;
        }
    }

    /// <summary>A domain's gate and the calls that hold or wait for it; removed when the last one leaves.</summary>
    private sealed class DomainGate(string name)
    {
        public string Name { get; } = name;

        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }

        public string? RunningJob { get; set; }
    }

    private sealed class DomainJob(QemuDomainDriver driver, Guid uuid, DomainGate gate) : IDisposable
    {
        public void Dispose()
        {
            gate.RunningJob = null;
            gate.Semaphore.Release();
            driver.Leave(uuid, gate);
        }
    }
}
