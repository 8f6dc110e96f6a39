using System.Net;
using System.Net.Sockets;
using Virt.Domain;
using Virt.Qemu.CommandLine;

namespace Virt.Driver.Qemu;

/// <summary>
/// TCP ports for a start's automatic displays (<c>&lt;graphics autoport='yes'&gt;</c> listening on an address), as
/// libvirt's virPortAllocator hands them out: the lowest port from 5900 that no start in progress holds and that a
/// socket can bind on every address, so one QEMU of another guest, a VNC server of the host's own or a port in
/// TIME_WAIT (SO_REUSEADDR) is skipped. QEMU binds the port while it starts, so a port stays held only until the launch
/// ends; afterwards the bind test finds it taken. The live definition records each port (libvirt's live
/// <c>port='5900' autoport='yes'</c>), which is what vncdisplay and domdisplay read, and what a restarted virtd keeps
/// (live definitions are parsed with <see cref="Virt.Domain.Xml.DefinitionParseOptions.Live"/>).
/// </summary>
internal sealed class GuestDisplays(int firstPort = GuestDisplays.FirstPort, int lastPort = GuestDisplays.LastPort)
{
    /// <summary>libvirt's remote_display_port_min: VNC display :0.</summary>
    public const int FirstPort = 5900;

    /// <summary>libvirt's remote_display_port_max.</summary>
    public const int LastPort = 65535;

    private readonly Lock _lock = new();
    private readonly HashSet<int> _held = [];

    /// <summary>
    /// The definition to start with every automatic display's port and every display's listen address in it, and the
    /// ports by display index (what
    /// <see cref="Virt.Qemu.CommandLine.QemuHostContext.GraphicsPorts"/> takes); the ports stay held until the plan is
    /// disposed.
    /// </summary>
    /// <exception cref="VirtException">Every port of the range is taken.</exception>
    public DisplayPlan Reserve(DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var graphics = definition.Devices.Graphics;
        if (graphics.Count == 0)
        {
            return new DisplayPlan(this, definition, new Dictionary<int, int>());
        }
        var ports = new Dictionary<int, int>();
        lock (_lock)
        {
            var displays = graphics.Select(WithListenAddress).ToList();
            try
            {
                for (var i = 0; i < displays.Count; i++)
                {
                    if (NeedsPort(displays[i]))
                    {
                        ports[i] = NextFree(definition.Name, $"/domain/devices/graphics[{i + 1}]");
                        displays[i] = displays[i] with { Port = ports[i] };
                    }
                }
            }
            catch
            {
                _held.ExceptWith(ports.Values);
                throw;
            }
            var started = definition with { Devices = definition.Devices with { Graphics = new ValueList<Graphics>(displays) } };
            return new DisplayPlan(this, started, ports);
        }
    }

    /// <summary>
    /// Every automatic display's port as libvirt's domxml-to-native shows it: the first of the range, for a command line
    /// that nothing runs, so nothing is probed or held.
    /// </summary>
    public IReadOnlyDictionary<int, int> Preview(DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.Devices.Graphics.Select((graphics, index) => (graphics, index))
            .Where(d => NeedsPort(WithListenAddress(d.graphics)))
            .ToDictionary(d => d.index, _ => firstPort);
    }

    /// <summary>
    /// The display with the address QEMU listens on when the definition names none (libvirt's qemuProcessGraphicsSetupListen
    /// writes qemu.conf's default into the live definition), so vncdisplay and domdisplay name it.
    /// </summary>
    private static Graphics WithListenAddress(Graphics graphics) =>
        graphics.Listens.Count > 0 && graphics.Listens[0] is { Type: GraphicsListenType.Address, Address: null } first
            ? graphics with { Listens = graphics.Listens.Skip(1).Prepend(first with { Address = QemuCommandLine.DefaultDisplayListen }).ToValueList() }
            : graphics;

    /// <summary>An automatic display on an address (a socket or none needs no port) that has none yet.</summary>
    private static bool NeedsPort(Graphics graphics) =>
        graphics.AutoPort && graphics.Port is null or -1
        && (graphics.Listens.Count == 0 || graphics.Listens[0].Type == GraphicsListenType.Address);

    private int NextFree(string domain, string element)
    {
        for (var port = firstPort; port <= lastPort; port++)
        {
            if (!_held.Contains(port) && Bindable(port))
            {
                _held.Add(port);
                return port;
            }
        }
        throw new VirtException(VirtErrorReason.ResourceLimit,
            $"Cannot start domain '{domain}': no free port for the display ({element}) between {firstPort} and {lastPort}; stop a guest with a display or give this one a fixed port='N'.",
            new Dictionary<string, string> { ["domain"] = domain, ["element"] = element });
    }

    /// <summary>libvirt's virPortAllocatorBindToPort: free when a socket binds it on the IPv4 and (if the host has it) IPv6 any-address.</summary>
    private static bool Bindable(int port)
    {
        foreach (var address in new[] { IPAddress.Any, IPAddress.IPv6Any })
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6)
            {
                continue;
            }
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            try
            {
                socket.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return false;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                // An IPv6 stack without any address configured refuses in6addr_any: that says nothing about the port.
            }
        }
        return true;
    }

    private void Release(IEnumerable<int> ports)
    {
        lock (_lock)
        {
            _held.ExceptWith(ports);
        }
    }

    /// <summary>A start's display ports: the definition naming them, the ports by display index, held until disposed.</summary>
    public sealed class DisplayPlan(GuestDisplays owner, DomainDefinition definition, IReadOnlyDictionary<int, int> ports) : IDisposable
    {
        /// <summary>The definition with each automatic display's port.</summary>
        public DomainDefinition Definition { get; } = definition;

        /// <summary>The allocated ports by the display's position among the definition's graphics.</summary>
        public IReadOnlyDictionary<int, int> Ports { get; } = ports;

        public void Dispose() => owner.Release(Ports.Values);
    }
}
