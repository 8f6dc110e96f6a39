using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine.Devices;

namespace Virt.Qemu.CommandLine.Internal;

/// <summary>
/// One run of <see cref="QemuCommandLine.Build"/>: validates, plans addresses and boot order, then writes the
/// arguments in libvirt's order (qemuBuildCommandLine). Split by area into partial files.
/// </summary>
internal sealed partial class ArgvBuilder
{
    private readonly DomainDefinition _def;
    private readonly QemuCapabilities _caps;
    private readonly QemuHostContext _host;
    private readonly List<string> _argv = [];
    private readonly Dictionary<string, PciSlot> _pci = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _bootIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, uint> _virtioSerialPorts = [];
    private QemuMachineKind _machine;
    private string _machineName = "";
    private PciAddressAssigner _assigner = new(QemuMachineKind.I440fx);
    private int _usbPortsUsed;
    private int? _floppyBootIndex;

    public ArgvBuilder(DomainDefinition definition, QemuCapabilities capabilities, QemuHostContext host)
    {
        _def = definition;
        _caps = capabilities;
        _host = host;
    }

    private DomainDevices Devices => _def.Devices;

    public IReadOnlyList<string> Build()
    {
        ResolveMachine();
        RefuseUnsupported();
        PlanBootOrder();
        PlanPciAddresses();

        _argv.Add(Devices.Emulator ?? _caps.Binary);
        Add("-name", $"guest={QemuOpts.Escape(_def.Name)},debug-threads=on");
        _argv.Add("-S");
        AddPflash();
        Add("-machine", MachineOption());
        // type='kvm' without a usable /dev/kvm (or a binary without KVM) falls back to TCG, as the design asks for
        // machines without KVM; type='qemu' is always TCG.
        Add("-accel", _def.Type == DomainType.Kvm && _host.KvmUsable && _caps.KvmSupported ? "kvm" : "tcg");
        Add("-cpu", CpuOption());
        AddMemory();
        AddSmp();
        Add("-uuid", _def.Uuid.ToString("D"));
        if (Devices.Graphics.Count == 0)
        {
            Add("-display", "none");
        }
        _argv.Add("-no-user-config");
        _argv.Add("-nodefaults");
        Add("-chardev", $"socket,id=charmonitor,path={QemuOpts.Escape(_host.MonitorSocketPath)},server=on,wait=off");
        Add("-mon", "chardev=charmonitor,id=monitor,mode=control");
        Add("-rtc", _def.Clock.Offset == ClockOffset.Localtime ? "base=localtime" : "base=utc");
        // The driver, not QEMU, decides what a guest power-off means (on_poweroff, or a reboot done as stop+start).
        _argv.Add("-no-shutdown");
        AddBoot();
        AddControllers();
        AddDisks();
        AddFilesystems();
        AddInterfaces();
        AddSerials();
        AddChannels();
        AddConsoles();
        AddInputs();
        AddGraphics();
        AddVideos();
        AddWatchdogs();
        AddHostdevs();
        AddBalloon();
        AddRngs();
        // No seccomp policy yet: the supervisor confines QEMU (its own uid, no shell); see README.
        Add("-sandbox", "off");
        Add("-msg", "timestamp=on");
        return _argv.AsReadOnly();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static QemuCommandLineException Refuse(string location, string detail) => new(location, detail);

    private void Add(string option, string value)
    {
        _argv.Add(option);
        _argv.Add(value);
    }

    private void AddDevice(JsonObject props) => Add("-device", props.ToJsonString(JsonOptions));

    private void AddJson(string option, JsonObject props) => Add(option, props.ToJsonString(JsonOptions));

    // Relaxed escaping keeps paths and names readable ('+', quotes); QEMU's JSON parser takes them as they are.
    private static JsonSerializerOptions JsonOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private void RequireDevice(string driver, string location)
    {
        if (!_caps.HasDevice(driver))
        {
            throw Refuse(location, $"this QEMU binary ({_caps.Version}) has no '{driver}' device; choose a model it provides");
        }
    }

    private void ResolveMachine()
    {
        if (_def.Type == DomainType.Test)
        {
            throw Refuse("/domain/@type", "type='test' guests run on the test driver only; use type='kvm' or type='qemu'");
        }
        if (_def.Os.Type != OsType.Hvm)
        {
            throw Refuse("/domain/os/type", "only hvm guests are supported by QEMU on x86_64");
        }
        if (_def.Os.Arch is { } arch && arch != "x86_64")
        {
            throw Refuse("/domain/os/type/@arch", $"architecture '{arch}' is not supported; this builder drives qemu-system-x86_64 (arch='x86_64')");
        }
        var requested = _def.Os.Machine ?? _caps.DefaultMachine?.Name ?? "pc";
        var machine = _caps.FindMachine(requested)
            ?? throw Refuse("/domain/os/type/@machine", $"machine type '{requested}' is not provided by this QEMU binary; use 'pc', 'q35' or a versioned pc-i440fx-*/pc-q35-* type");
        _machineName = requested;
        var resolved = machine.Name;
        if (resolved.StartsWith("pc-q35", StringComparison.Ordinal) || resolved == "q35")
        {
            _machine = QemuMachineKind.Q35;
        }
        else if (resolved.StartsWith("pc-i440fx", StringComparison.Ordinal) || resolved == "pc")
        {
            _machine = QemuMachineKind.I440fx;
        }
        else
        {
            throw Refuse("/domain/os/type/@machine", $"machine type '{requested}' is not supported; use an i440fx ('pc') or q35 machine type");
        }
        _assigner = new PciAddressAssigner(_machine);
        if (_def.Vcpu.Count > machine.MaxCpus)
        {
            throw Refuse("/domain/vcpu", $"{_def.Vcpu.Count} vCPUs exceed the {machine.MaxCpus} that machine type '{resolved}' supports");
        }
    }

    private void RefuseUnsupported()
    {
        Unsupported(Devices.Sounds.Count, "sound", "sound devices are not supported yet");
        Unsupported(Devices.Parallels.Count, "parallel", "parallel ports are not supported yet");
        Unsupported(Devices.RedirDevices.Count, "redirdev", "USB redirection is not supported yet");
        Unsupported(Devices.Panics.Count, "panic", "panic devices are not supported yet");
        if (_def.Cpu is { NumaCells.Count: > 0 })
        {
            throw Refuse("/domain/cpu/numa", "guest NUMA topology is not supported yet");
        }
        if (_def.MemoryBacking?.HugePages is not null)
        {
            throw Refuse("/domain/memoryBacking/hugepages", "hugepage-backed memory is not supported yet");
        }
        if (_def.Clock.Offset is not (ClockOffset.Utc or ClockOffset.Localtime))
        {
            throw Refuse("/domain/clock/@offset", "only clock offset 'utc' and 'localtime' are supported; 'timezone' and 'variable' need the start time and are not supported yet");
        }
        for (var i = 0; i < Devices.Disks.Count; i++)
        {
            // Before controllers, so that IDE on q35 is reported at the disk that asked for it.
            ValidateDiskBus(Devices.Disks[i], $"/domain/devices/disk[{i + 1}]");
        }
        if (_def.MemoryKiB == 0)
        {
            throw Refuse("/domain/memory", "the guest needs memory; give <memory unit='MiB'>N</memory>");
        }
    }

    private static void Unsupported(int count, string element, string detail)
    {
        if (count > 0)
        {
            throw Refuse($"/domain/devices/{element}[1]", detail);
        }
    }

    private string MachineOption()
    {
        var parts = new List<string> { QemuOpts.Escape(_machineName), "usb=off", "dump-guest-core=off" };
        if (_def.MemoryBacking?.NoSharePages == true)
        {
            parts.Add("mem-merge=off");
        }
        if (_def.Features?.Vmport is { } vmport)
        {
            parts.Add("vmport=" + QemuOpts.OnOff(vmport));
        }
        if (_def.Features?.Smm is { } smm)
        {
            parts.Add("smm=" + QemuOpts.OnOff(smm));
        }
        if (_def.Os.Loader is { Type: LoaderType.Pflash })
        {
            parts.Add("pflash0=libvirt-pflash0-format");
            if (_def.Os.Nvram?.Path is not null)
            {
                parts.Add("pflash1=libvirt-pflash1-format");
            }
        }
        parts.Add("acpi=" + QemuOpts.OnOff(_def.Features?.Acpi == true));
        return string.Join(',', parts);
    }

    private void AddPflash()
    {
        if (_def.Os.Loader is not { Type: LoaderType.Pflash } loader)
        {
            return;
        }
        if (loader.Path is null)
        {
            throw Refuse("/domain/os/loader", "a pflash loader needs a firmware path; firmware auto-selection is not supported yet");
        }
        var readOnly = loader.ReadOnly ?? true;
        AddJson("-blockdev", BlockdevProps.Storage("libvirt-pflash0-storage", loader.Path, false, false, null));
        AddJson("-blockdev", BlockdevProps.Format("libvirt-pflash0-format", "libvirt-pflash0-storage", ImageFormat.Raw, null, readOnly, null, false));
        if (_def.Os.Nvram?.Path is { } nvram)
        {
            AddJson("-blockdev", BlockdevProps.Storage("libvirt-pflash1-storage", nvram, false, false, null));
            AddJson("-blockdev", BlockdevProps.Format("libvirt-pflash1-format", "libvirt-pflash1-storage", ImageFormat.Raw, null, false, null, false));
        }
    }

    private string CpuOption()
    {
        var cpu = _def.Cpu;
        var kvm = _def.Type == DomainType.Kvm && _host.KvmUsable && _caps.KvmSupported;
        string model;
        switch (cpu?.Mode)
        {
            case CpuMode.HostPassthrough:
                if (!kvm)
                {
                    throw Refuse("/domain/cpu/@mode", "host-passthrough needs KVM, and this host cannot use /dev/kvm (or the guest is type='qemu'); use mode='host-model', mode='maximum' or a named model");
                }
                model = cpu.Migratable == true ? "host,migratable=on" : "host,migratable=off";
                break;
            case CpuMode.HostModel:
                // libvirt expands host-model from a per-host CPU probe. Under TCG there is no host CPU to copy, so the
                // nearest faithful choice is QEMU's 'max' (everything TCG emulates); under KVM it is 'host'.
                model = kvm ? "host" : "max";
                break;
            case CpuMode.Maximum:
                model = "max";
                break;
            default:
                if (cpu?.Model is { } named)
                {
                    if (_caps.FindCpuModel(named.Name) is null)
                    {
                        throw Refuse("/domain/cpu/model", $"CPU model '{named.Name}' is not known to this QEMU binary ({_caps.Version}); use a model from 'qemu-system-x86_64 -cpu help'");
                    }
                    model = named.Name;
                }
                else
                {
                    model = "qemu64";
                }
                break;
        }
        var parts = new List<string> { model };
        foreach (var feature in cpu?.Features ?? ValueList<CpuFeature>.Empty)
        {
            var on = feature.Policy is CpuFeaturePolicy.Force or CpuFeaturePolicy.Require or CpuFeaturePolicy.Optional;
            parts.Add($"{QemuOpts.Escape(feature.Name)}={QemuOpts.OnOff(on)}");
        }
        return string.Join(',', parts);
    }

    private void AddMemory()
    {
        var memory = Invariant($"size={_def.MemoryKiB}k");
        if (_def.MaxMemory is { } max)
        {
            memory += Invariant($",slots={max.Slots},maxmem={max.SizeKiB}k");
        }
        Add("-m", memory);
        Add("-overcommit", "mem-lock=" + QemuOpts.OnOff(_def.MemoryBacking?.Locked == true));
    }

    private void AddSmp()
    {
        var count = _def.Vcpu.Count;
        var current = _def.Vcpu.Current ?? count;
        var topology = _def.Cpu?.Topology;
        var sockets = topology?.Sockets ?? count;
        var dies = topology?.Dies ?? 1;
        var cores = topology?.Cores ?? 1;
        var threads = topology?.Threads ?? 1;
        if (sockets * dies * cores * threads != count)
        {
            throw Refuse("/domain/cpu/topology", $"sockets × dies × cores × threads is {sockets * dies * cores * threads}, but <vcpu> is {count}; they must be equal");
        }
        var smp = Invariant($"{current}");
        if (current != count)
        {
            smp += Invariant($",maxcpus={count}");
        }
        smp += Invariant($",sockets={sockets}");
        if (dies > 1)
        {
            smp += Invariant($",dies={dies}");
        }
        smp += Invariant($",cores={cores},threads={threads}");
        Add("-smp", smp);
    }

    private void AddBoot()
    {
        var boot = "strict=on";
        if (_def.Os.BootMenu is { } menu)
        {
            boot += menu.Enable ? ",menu=on" : ",menu=off";
            if (menu.Enable && menu.TimeoutMs is { } timeout)
            {
                boot += Invariant($",splash-time={timeout}");
            }
        }
        Add("-boot", boot);
        if (_def.Os.Loader is { Type: LoaderType.Rom or null, Path: { } bios })
        {
            Add("-bios", bios);
        }
        if (_def.Os.Kernel is { } kernel)
        {
            Add("-kernel", kernel);
        }
        if (_def.Os.Initrd is { } initrd)
        {
            Add("-initrd", initrd);
        }
        if (_def.Os.Cmdline is { } cmdline)
        {
            Add("-append", cmdline);
        }
        if (_def.Os.Dtb is { } dtb)
        {
            Add("-dtb", dtb);
        }
        if (_floppyBootIndex is { } floppy)
        {
            Add("-global", Invariant($"isa-fdc.bootindexA={floppy}"));
        }
    }

    /// <summary>
    /// Per-device boot order wins; otherwise &lt;os&gt;&lt;boot dev&gt; entries become bootindex values on the first
    /// device of each class, as libvirt does with -boot strict=on.
    /// </summary>
    private void PlanBootOrder()
    {
        var perDevice = false;
        for (var i = 0; i < Devices.Disks.Count; i++)
        {
            if (Devices.Disks[i].BootOrder is { } order)
            {
                _bootIndex[$"disk:{i}"] = (int)order;
                perDevice = true;
            }
        }
        for (var i = 0; i < Devices.Interfaces.Count; i++)
        {
            if (Devices.Interfaces[i].BootOrder is { } order)
            {
                _bootIndex[$"net:{i}"] = (int)order;
                perDevice = true;
            }
        }
        for (var i = 0; i < Devices.Hostdevs.Count; i++)
        {
            if (Devices.Hostdevs[i].BootOrder is { } order)
            {
                _bootIndex[$"hostdev:{i}"] = (int)order;
                perDevice = true;
            }
        }
        if (perDevice)
        {
            if (_def.Os.BootDevices.Count > 0)
            {
                throw Refuse("/domain/os/boot", "<os><boot dev> and per-device <boot order> cannot be mixed; use one or the other");
            }
            return;
        }
        var next = 1;
        foreach (var device in _def.Os.BootDevices)
        {
            switch (device)
            {
                case BootDevice.Hd:
                    next = BootFirst(Devices.Disks, d => d.Device is DiskDevice.Disk or DiskDevice.Lun && d.Target.Bus != DiskBus.Fdc, "disk", next);
                    break;
                case BootDevice.Cdrom:
                    next = BootFirst(Devices.Disks, d => d.Device == DiskDevice.Cdrom, "disk", next);
                    break;
                case BootDevice.Network:
                    next = BootFirst(Devices.Interfaces, _ => true, "net", next);
                    break;
                case BootDevice.Fd:
                    if (Devices.Disks.Any(d => d.Device == DiskDevice.Floppy))
                    {
                        _floppyBootIndex = next++;
                    }
                    break;
                default:
                    break;
            }
        }
    }

    private int BootFirst<T>(IReadOnlyList<T> devices, Func<T, bool> match, string kind, int next)
    {
        for (var i = 0; i < devices.Count; i++)
        {
            if (match(devices[i]) && !_bootIndex.ContainsKey($"{kind}:{i}"))
            {
                _bootIndex[$"{kind}:{i}"] = next;
                return next + 1;
            }
        }
        return next;
    }

    private int? BootIndex(string key) => _bootIndex.TryGetValue(key, out var index) ? index : null;
}
