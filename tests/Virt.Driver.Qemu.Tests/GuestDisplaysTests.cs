using System.Net;
using System.Net.Sockets;
using Virt.Domain;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// The display port allocator against real sockets: a port another socket listens on is skipped, held ports are not
/// handed out twice, and the live definition gets the ports and the default listen address.
/// </summary>
public sealed class GuestDisplaysTests
{
    private static DomainDefinition Guest(params Graphics[] graphics) => new()
    {
        Name = "g",
        Uuid = Guid.Parse("c7a5fdbd-cdaf-9455-926a-d65c16db1809"),
        Devices = new DomainDevices { Graphics = new ValueList<Graphics>(graphics) },
    };

    private static Graphics Auto(GraphicsType type, string? address = null) => new()
    {
        Type = type,
        AutoPort = true,
        Listens = new ValueList<GraphicsListen>([new GraphicsListen(GraphicsListenType.Address, address, null, null)]),
    };

    /// <summary>A listening socket on a port the kernel picked: the allocator's range starts there.</summary>
    private static Socket Listening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        return socket;
    }

    private static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    [Test]
    public void Automatic_displays_get_free_ports_past_a_taken_one_and_the_default_listen_address_while_fixed_and_socket_ones_keep_theirs()
    {
        using var taken = Listening();
        var first = PortOf(taken);
        var displays = new GuestDisplays(first, first + 20);
        var socketDisplay = new Graphics
        {
            Type = GraphicsType.Vnc,
            AutoPort = true,
            Listens = new ValueList<GraphicsListen>([new GraphicsListen(GraphicsListenType.Socket, null, null, "/run/v.sock")]),
        };
        var fixedDisplay = new Graphics { Type = GraphicsType.Spice, Port = 6100, Listens = new ValueList<GraphicsListen>([new GraphicsListen(GraphicsListenType.Address, "0.0.0.0", null, null)]) };

        using var plan = displays.Reserve(Guest(Auto(GraphicsType.Vnc), socketDisplay, fixedDisplay, Auto(GraphicsType.Spice, "192.0.2.1")));

        var graphics = plan.Definition.Devices.Graphics;
        Assert.That(plan.Ports.Keys, Is.EqualTo(new[] { 0, 3 }));
        Assert.That(plan.Ports.Values, Is.Unique.And.All.InRange(first + 1, first + 20), "the listening port is skipped");
        Assert.That(graphics.Select(g => g.Port), Is.EqualTo(new int?[] { plan.Ports[0], null, 6100, plan.Ports[3] }));
        Assert.That(graphics.Select(g => g.Listens[0].Address), Is.EqualTo(new[] { "127.0.0.1", null, "0.0.0.0", "192.0.2.1" }));
    }

    [Test]
    public void A_held_port_is_not_given_twice_until_its_start_ends_and_an_exhausted_range_is_a_typed_refusal()
    {
        using var taken = Listening();
        var first = PortOf(taken) + 1;
        var displays = new GuestDisplays(first, first);
        var held = displays.Reserve(Guest(Auto(GraphicsType.Vnc)));
        Assert.That(held.Ports[0], Is.EqualTo(first));

        var error = Assert.Throws<VirtException>(() => displays.Reserve(Guest(Auto(GraphicsType.Vnc))))!;
        Assert.That(error.Reason, Is.EqualTo(VirtErrorReason.ResourceLimit));
        Assert.That(error.Message, Is.EqualTo($"Cannot start domain 'g': no free port for the display (/domain/devices/graphics[1]) between {first} and {first}; stop a guest with a display or give this one a fixed port='N'."));

        held.Dispose();
        using var again = displays.Reserve(Guest(Auto(GraphicsType.Vnc)));
        Assert.That(again.Ports[0], Is.EqualTo(first));
    }
}
