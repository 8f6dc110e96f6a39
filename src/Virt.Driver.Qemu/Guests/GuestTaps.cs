using System.Globalization;
using Virt.Domain;
using Virt.Qemu.CommandLine.Devices;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// Names and plans the taps the driver makes for a start (bridge interfaces, and ethernet ones unless
/// <c>managed='no'</c>), as libvirt's qemuInterfaceBridgeConnect and virNetDevGenerateName do: a tap gets the name in
/// its <c>&lt;target dev&gt;</c>, or the next <c>vnetN</c> when it has none or one of libvirt's generated prefixes
/// (a definition copied from a live one, a restore, a migration). N only grows while virtd runs, and a restarted virtd
/// continues past its running guests' taps, so a name that just went is not handed out again at once. The worker
/// creates the taps (src/Virt.Vmm/README.md, "Taps"); this checks first what it can, so a missing bridge or a taken
/// name is a typed refusal before anything starts.
/// </summary>
internal sealed class GuestTaps(string interfacesDirectory = "/sys/class/net")
{
    private const string GeneratedPrefix = "vnet";

    // libvirt never keeps a <target dev> with these prefixes for a new tap: they are its generated names.
    private static readonly string[] _generatedPrefixes = [GeneratedPrefix, "vif", "macvtap", "macvlan"];

    // Linux's IFNAMSIZ less the terminating NUL.
    private const int MaxNameBytes = 15;

    private readonly Lock _lock = new();
    private readonly HashSet<string> _reserved = new(StringComparer.Ordinal);
    private long _next;

    /// <summary>Continues the numbering past the generated names a running guest's live definition holds.</summary>
    public void SkipPast(DomainDefinition live)
    {
        ArgumentNullException.ThrowIfNull(live);
        lock (_lock)
        {
            foreach (var nic in live.Devices.Interfaces)
            {
                if (nic.HasManagedTap && nic.TargetDev is { } name && name.StartsWith(GeneratedPrefix, StringComparison.Ordinal)
                    && long.TryParse(name.AsSpan(GeneratedPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    _next = Math.Max(_next, number + 1);
                }
            }
        }
    }

    /// <summary>
    /// The definition to start, with every managed tap named in its <c>&lt;target dev&gt;</c>, and the taps the worker
    /// is to create. The names stay reserved until the returned plan is disposed (once the launch has ended: by then a
    /// started guest's taps exist).
    /// </summary>
    /// <exception cref="VirtException">A bridge is missing or not a bridge, or a named tap exists or is not a valid name.</exception>
    public TapPlan Reserve(DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!definition.Devices.Interfaces.Any(n => n.HasManagedTap))
        {
            return new TapPlan(this, definition, [], []);
        }
        lock (_lock)
        {
            var interfaces = definition.Devices.Interfaces.ToList();
            var names = new List<string>();
            var taps = new List<TapDevice>();
            try
            {
                for (var i = 0; i < interfaces.Count; i++)
                {
                    var nic = interfaces[i];
                    if (!nic.HasManagedTap)
                    {
                        continue;
                    }
                    var element = $"/domain/devices/interface[{i + 1}]";
                    if (nic.Type == InterfaceType.Bridge)
                    {
                        RequireBridge(definition.Name, nic.Source?.Bridge ?? "", element + "/source/@bridge");
                    }
                    var name = KeptName(nic) is { } given
                        ? RequireFree(definition.Name, given, element + "/target/@dev")
                        : NextGenerated(ref _next);
                    _reserved.Add(name);
                    names.Add(name);
                    interfaces[i] = nic with { TargetDev = name };
                    taps.Add(new TapDevice
                    {
                        Name = name,
                        Bridge = nic.Type == InterfaceType.Bridge ? nic.Source!.Bridge : "",
                        Mac = HostSideMac(nic.Mac),
                        Mtu = nic.Mtu ?? 0,
                        // libvirt asks for virtio-net headers only for a virtio frontend, which uses them.
                        VnetHdr = DeviceProps.NicDriver(nic.Model).StartsWith("virtio-net", StringComparison.Ordinal),
                        Queues = nic.DriverQueues ?? 1,
                    });
                }
            }
            catch
            {
                _reserved.ExceptWith(names);
                throw;
            }
            var named = definition with { Devices = definition.Devices with { Interfaces = new ValueList<NetworkInterface>(interfaces) } };
            return new TapPlan(this, named, taps, names);
        }
    }

    /// <summary>
    /// The definition with every managed tap named as a start would name it now, reserving and checking nothing:
    /// domxml-to-native's command line, which nothing runs.
    /// </summary>
    public DomainDefinition Preview(DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!definition.Devices.Interfaces.Any(n => n.HasManagedTap))
        {
            return definition;
        }
        lock (_lock)
        {
            var next = _next;
            var interfaces = definition.Devices.Interfaces
                .Select(nic => nic.HasManagedTap ? nic with { TargetDev = KeptName(nic) ?? NextGenerated(ref next) } : nic)
                .ToList();
            return definition with { Devices = definition.Devices with { Interfaces = new ValueList<NetworkInterface>(interfaces) } };
        }
    }

    /// <summary>The interface's own <c>&lt;target dev&gt;</c>, unless it has none or a generated one (which a start replaces).</summary>
    private static string? KeptName(NetworkInterface nic) =>
        nic.TargetDev is { } given && !_generatedPrefixes.Any(p => given.StartsWith(p, StringComparison.Ordinal)) ? given : null;

    private void Release(IEnumerable<string> names)
    {
        lock (_lock)
        {
            _reserved.ExceptWith(names);
        }
    }

    private string NextGenerated(ref long next)
    {
        while (true)
        {
            var name = GeneratedPrefix + (next++).ToString(CultureInfo.InvariantCulture);
            if (!_reserved.Contains(name) && !Exists(name))
            {
                return name;
            }
        }
    }

    private string RequireFree(string domain, string name, string element)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes || name is "." or ".." || name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c)))
        {
            throw Refused(domain, name, element,
                $"'{name}' is not a valid network interface name ({element}): at most {MaxNameBytes} bytes, without '/', ':' or white space");
        }
        if (_reserved.Contains(name) || Exists(name))
        {
            throw Refused(domain, name, element,
                $"the tap device '{name}' already exists ({element}); the driver creates the tap of a managed interface itself: name another, leave <target dev> out for a generated name, or use an existing tap with <interface type='ethernet'> and <target dev='{name}' managed='no'/>");
        }
        return name;
    }

    private void RequireBridge(string domain, string bridge, string element)
    {
        if (Directory.Exists(Path.Combine(interfacesDirectory, bridge, "bridge")))
        {
            return;
        }
        throw Refused(domain, bridge, element, Exists(bridge)
            ? $"the network interface '{bridge}' is not a bridge ({element}); name a Linux bridge (ip -d link show type bridge lists them)"
            : $"the bridge '{bridge}' does not exist ({element}); create it first (ip link add {bridge} type bridge)");
    }

    private bool Exists(string name) => Directory.Exists(Path.Combine(interfacesDirectory, name));

    private static VirtException Refused(string domain, string device, string element, string what) =>
        new(VirtErrorReason.InvalidArgument, $"Cannot start domain '{domain}': {what}.",
            new Dictionary<string, string> { ["domain"] = domain, ["device"] = device, ["element"] = element });

    /// <summary>libvirt's host-side MAC for a tap: the guest's with the first byte 0xfe, which a bridge never adopts as its own.</summary>
    private static string HostSideMac(string guestMac) => "fe" + guestMac[2..];

    /// <summary>A start's managed taps: the definition naming them, what the worker creates, and the names held until disposed.</summary>
    public sealed class TapPlan(GuestTaps owner, DomainDefinition definition, IReadOnlyList<TapDevice> taps, IReadOnlyList<string> names) : IDisposable
    {
        /// <summary>The definition with each managed tap's name in its <c>&lt;target dev&gt;</c>.</summary>
        public DomainDefinition Definition { get; } = definition;

        /// <summary>What <see cref="LaunchSpec.Taps"/> carries.</summary>
        public IReadOnlyList<TapDevice> Taps { get; } = taps;

        public void Dispose() => owner.Release(names);
    }
}
