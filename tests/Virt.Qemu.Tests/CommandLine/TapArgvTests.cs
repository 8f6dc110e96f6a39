using Virt.Qemu.CommandLine;

namespace Virt.Qemu.Tests.CommandLine;

/// <summary>The worker's rewrite of a tap opened by name into one passed as fds.</summary>
public sealed class TapArgvTests
{
    private static List<string> Argv(params string[] netdevs) =>
        ["qemu-system-x86_64", "-netdev", "{\"type\":\"user\",\"id\":\"hostnet0\"}", .. netdevs.SelectMany(n => new[] { "-netdev", n }), "-S"];

    [Test]
    public void A_tap_opened_by_name_takes_its_fd_and_loses_what_qemu_refuses_beside_it()
    {
        var argv = Argv("{\"type\":\"tap\",\"id\":\"hostnet1\",\"ifname\":\"vnet0\",\"script\":\"no\",\"downscript\":\"no\"}");

        Assert.That(TapArgv.WithFds(argv, "vnet0", [27]), Is.True);
        Assert.That(argv[4], Is.EqualTo("{\"type\":\"tap\",\"id\":\"hostnet1\",\"fd\":\"27\"}"));
        Assert.That(argv[2], Is.EqualTo("{\"type\":\"user\",\"id\":\"hostnet0\"}"), "other netdevs are left alone");
    }

    [Test]
    public void A_multiqueue_tap_takes_one_fd_per_queue_and_drops_queues()
    {
        var argv = Argv(
            "{\"type\":\"tap\",\"id\":\"hostnet1\",\"ifname\":\"vnet0\",\"script\":\"no\",\"downscript\":\"no\"}",
            "{\"type\":\"tap\",\"id\":\"hostnet2\",\"ifname\":\"vnet1\",\"script\":\"no\",\"downscript\":\"no\",\"queues\":2}");

        Assert.That(TapArgv.WithFds(argv, "vnet1", [30, 31]), Is.True);
        Assert.That(argv[6], Is.EqualTo("{\"type\":\"tap\",\"id\":\"hostnet2\",\"fds\":\"30:31\"}"));
        Assert.That(argv[4], Does.Contain("\"ifname\":\"vnet0\""), "only the named tap");
    }

    [Test]
    public void An_argv_without_that_tap_is_left_as_it_was()
    {
        var argv = Argv("{\"type\":\"tap\",\"id\":\"hostnet1\",\"ifname\":\"vnet0\"}", "tap,id=hostnet2,ifname=vnet9");
        var before = argv.ToList();

        Assert.That(TapArgv.WithFds(argv, "vnet9", [27]), Is.False, "only JSON netdevs are the driver's");
        Assert.That(TapArgv.WithFds(argv, "vnet", [27]), Is.False);
        Assert.That(argv, Is.EqualTo(before));
    }
}
