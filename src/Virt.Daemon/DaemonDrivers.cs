using Microsoft.Extensions.Logging;
using Virt.Driver;
using Virt.Driver.Jobs;
using Virt.Driver.Qemu;
using Virt.Driver.Storage;
using Virt.Driver.Test;

namespace Virt.Daemon;

/// <summary>Which driver virtd serves (<c>--driver</c>).</summary>
internal enum DriverKind
{
    /// <summary>The QEMU driver: persistent definitions under the state directory.</summary>
    Qemu,

    /// <summary>libvirt's test:///default driver in memory, for tests of the wire path; nothing persists but the event numbering.</summary>
    Test,
}

/// <summary>
/// The drivers virtd serves, the event log they append to, and the vCPU placement policy the QEMU driver enforces (and
/// GetPlacementPolicy reports).
/// </summary>
internal sealed record DaemonDrivers(DriverKind Kind, IDomainDriver Domains, INetworkDriver Networks, IStoragePoolDriver Pools, EventLog Events, VcpuPlacementPolicy Placement)
{
    /// <summary>The jobs the drivers run, served by JobService; null for the test driver, which runs none (as libvirt's).</summary>
    public JobRegistry? Jobs { get; init; }

    /// <summary>
    /// Whether the QEMU driver runs guests of type 'kvm' with KVM. Always false for now: /dev/kvm opens on these hosts
    /// yet KVM guests hang (README), and virtd does not probe it as tools/guest/accel does. Capabilities report this same
    /// value, so they never offer what the driver will not do.
    /// </summary>
    public bool KvmUsable { get; init; }

    private const bool KvmUsableHere = false;

    public static async Task<DaemonDrivers> OpenAsync(DriverKind kind, DaemonPaths paths, VcpuPlacementPolicy placement, SaveImageFormat saveImageFormat, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("virtd");
        var events = await EventSequenceFile.OpenLogAsync(paths.StateDir, logger, cancellationToken);
        DaemonDrivers drivers;
        if (kind == DriverKind.Test)
        {
            var test = TestDriver.CreateDefault(events);
            drivers = new DaemonDrivers(kind, test, test, test, events, placement);
        }
        else
        {
            var jobs = new JobRegistry(events);
            // Pools and volumes are the storage driver's, kept under STATE/storage; the first start makes the 'default'
            // dir pool in STATE/images. It opens first, so domains that autostart find their pools started.
            var storage = await StorageDriver.OpenAsync(
                new StorageDriverOptions { StateDirectory = paths.StateDir, DefaultPoolDirectory = Path.Combine(paths.StateDir, "images"), Events = events },
                loggerFactory.CreateLogger("Virt.Driver.Storage"), cancellationToken);
            // Networks are the test driver's fixture (network 'default') until their own driver lands; it is read-only,
            // so nothing about it needs to persist.
            var fixture = TestDriver.CreateDefault(events);
            var qemu = await QemuDomainDriver.OpenAsync(
                new QemuDriverOptions
                {
                    StateDirectory = paths.StateDir,
                    RunDirectory = paths.RunDir,
                    KvmUsable = KvmUsableHere,
                    AutostartOnOpen = true,
                    Volumes = storage,
                    // domifaddr --source lease: the dnsmasq lease files of the networks, RUN/network/NAME.leases.
                    Leases = new DnsmasqLeases(Path.Combine(paths.RunDir, "network"), fixture),
                    VolumeCloner = new StorageVolumeCloner(storage),
                    HostCpus = placement.HostCpus,
                    Placement = placement,
                    Jobs = jobs,
                    SaveImageFormat = saveImageFormat,
                    // virt-vmm beside virtd unless VIRT_VMM_BINARY names another (the NativeAOT publish, for instance).
                    VmmBinary = Environment.GetEnvironmentVariable("VIRT_VMM_BINARY") is { Length: > 0 } vmm ? vmm : null,
                }, events, loggerFactory.CreateLogger("Virt.Driver.Qemu"), cancellationToken);
            drivers = new DaemonDrivers(kind, qemu, fixture, storage, events, placement) { Jobs = jobs, KvmUsable = KvmUsableHere };
        }
        var domains = await drivers.Domains.ListDomainsAsync(DomainListFilter.All, cancellationToken);
        DaemonLog.DriverReady(logger, drivers.Domains.Type, domains.Count, events.Epoch, events.LatestSequence);
        return drivers;
    }
}
