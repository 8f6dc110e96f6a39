using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Qemu;

/// <summary>Where the QEMU driver keeps its definitions, and the policy it checks them against.</summary>
public sealed record QemuDriverOptions
{
    /// <summary>virtd's state directory; the driver keeps everything under <c>STATE/qemu</c>.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The operator's policy for definitions (vCPU, disk and NIC ceilings).</summary>
    public DefinitionLimits Limits { get; init; } = DefinitionLimits.Default;

    /// <summary>CPUs of this host, for the vCPU overcommit check.</summary>
    public int HostCpus { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The vCPU budget of running guests (8 x host CPUs unless the operator says otherwise), checked when a guest
    /// starts.
    /// </summary>
    public VcpuPlacementPolicy Placement { get; init; } = new(Environment.ProcessorCount);

    /// <summary>Parser settings (size limit, UUID and MAC generators).</summary>
    public DefinitionParseOptions ParseOptions { get; init; } = DefinitionParseOptions.Default;

    /// <summary>
    /// How long a modifying call waits for another one on the same domain before it fails with
    /// <see cref="VirtErrorReason.JobBusy"/>. Definition changes take milliseconds, so a short wait lets
    /// concurrent callers through instead of failing them.
    /// </summary>
    public TimeSpan JobWaitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>virtd's run directory; running guests keep their sockets and run state under <c>RUN/qemu</c>. Null: <c>STATE/run</c>.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>
    /// The VMM worker executable (<c>virt-vmm</c>), one of which runs each guest. Null: <c>virt-vmm</c> beside the running
    /// program (virtd), where the build puts it.
    /// </summary>
    public string? VmmBinary { get; init; }

    /// <summary>The QEMU binary for definitions without <c>&lt;emulator&gt;</c>: a path, or a name looked up in PATH.</summary>
    public string Emulator { get; init; } = "qemu-system-x86_64";

    /// <summary>
    /// Whether guests of type <c>kvm</c> may use KVM. False by default: on these hosts /dev/kvm opens but KVM guests hang
    /// (README), so the caller must have probed it (tools/guest/accel does) before setting this.
    /// </summary>
    public bool KvmUsable { get; init; }

    /// <summary>
    /// Resolves <c>&lt;disk type='volume'&gt;</c> at start and keeps the volumes in use while the guest runs (virtd passes
    /// the storage driver). Null: such disks cannot start (OperationUnsupported).
    /// </summary>
    public IVolumeResolver? Volumes { get; init; }

    /// <summary>
    /// The DHCP leases of virtual networks, for domifaddr's lease source (virtd passes <see cref="DnsmasqLeases"/>);
    /// without it an interface on a network has no lease address.
    /// </summary>
    public INetworkLeases? Leases { get; init; }

    /// <summary>The ARP table domifaddr's arp source reads (tests point it elsewhere).</summary>
    public string ArpTablePath { get; init; } = ArpTable.ProcPath;

    /// <summary>Clones <c>&lt;disk type='volume'&gt;</c> inside its pool for CloneDomain (virtd passes the storage driver's). Null: such disks cannot be copied.</summary>
    public IVolumeCloner? VolumeCloner { get; init; }

    /// <summary>
    /// The registry long operations (save, restore, managed save, migration) run their jobs in; virtd shares one between
    /// its drivers and JobService. Null: the driver keeps its own (tests).
    /// </summary>
    public Virt.Driver.Jobs.JobRegistry? Jobs { get; init; }

    /// <summary>Start the autostart domains that are not running when the driver opens (virtd does; tests opt in).</summary>
    public bool AutostartOnOpen { get; init; }

    /// <summary>How long a starting QEMU has to answer on its monitor (TCG on a loaded host is slow to start).</summary>
    public TimeSpan QmpTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>SIGTERM to SIGKILL for destroy (libvirt waits 10 s too), and all of the wait for destroy --graceful.</summary>
    public TimeSpan DestroyGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a worker whose QEMU has exited waits for virtd to read the outcome before it exits anyway.</summary>
    public TimeSpan WorkerLinger { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The wait for an incoming stream to land (restore, a migration's Finish) ends at QEMU's MIGRATION event; this is
    /// its fallback poll of query-status, for an event that never comes.
    /// </summary>
    public TimeSpan IncomingFallbackPoll { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How save and managed save store the guest state (libvirt's qemu.conf <c>save_image_format</c>; virtd
    /// <c>--save-image-format</c>): raw, or through gzip, bzip2, xz, lzop or zstd found in virtd's PATH. Restore reads
    /// the format from each image's header, whatever this says.
    /// </summary>
    public SaveImageFormat SaveImageFormat { get; init; } = SaveImageFormat.Raw;

    /// <summary>
    /// How long a destination keeps its decision for a migration (<c>STATE/qemu/migrations</c>), for a source that
    /// restarts and asks again (Finish is idempotent per migration id; the API promises at least 24 hours). A week
    /// covers a source host that stays down over a long weekend; each entry is a few hundred bytes.
    /// </summary>
    public TimeSpan MigrationOutcomeLifetime { get; init; } = TimeSpan.FromDays(7);

    /// <summary><c>RUN/qemu</c>: per guest <c>UUID.state</c>, <c>UUID.xml</c> (the live definition), and the sockets.</summary>
    public string GuestRunDirectory => Path.Combine(RunDirectory ?? Path.Combine(StateDirectory, "run"), "qemu");

    /// <summary><c>STATE/qemu/log</c>: per guest <c>UUID.log</c> (worker and QEMU) and <c>UUID.console.log</c>, kept across starts.</summary>
    public string LogDirectory => Path.Combine(DriverDirectory, "log");

    /// <summary><c>STATE/cache/qemu</c>: probed QEMU capabilities, per binary identity.</summary>
    public string CapabilitiesCacheDirectory => Path.Combine(StateDirectory, "cache", "qemu");

    /// <summary><c>STATE/qemu</c>.</summary>
    public string DriverDirectory => Path.Combine(StateDirectory, "qemu");

    /// <summary>One <c>UUID.xml</c> per persistent domain.</summary>
    public string DomainsDirectory => Path.Combine(DriverDirectory, "domains");

    /// <summary>
    /// <c>STATE/qemu/save</c>: managed save images, <c>UUID.save</c> (libvirt: /var/lib/libvirt/qemu/save/NAME.save; by UUID
    /// here as every per-domain file of this driver, so a rename or a new domain of the same name never finds another's image).
    /// </summary>
    public string ManagedSaveDirectory => Path.Combine(DriverDirectory, "save");

    /// <summary>One file per domain that starts with virtd, named by UUID (libvirt keeps symlinks; a file is enough).</summary>
    public string AutostartDirectory => Path.Combine(DriverDirectory, "autostart");

    /// <summary><c>STATE/qemu/migrations</c>: the destination's decision per incoming migration, <c>ID.outcome</c> (MigrationOutcomes).</summary>
    public string MigrationOutcomesDirectory => Path.Combine(DriverDirectory, "migrations");

    /// <summary>Definition files that could not be loaded, moved aside for the operator rather than dropped.</summary>
    public string QuarantineDirectory => Path.Combine(DriverDirectory, "quarantine");
}
