using Grpc.Core;

namespace Virt.Client.Tests;

/// <summary>The URI rules (src/Virt.Client/README.md), as a table.</summary>
public sealed class UriTests
{
    private static readonly Dictionary<string, string?> _environment = new()
    {
        ["HOME"] = "/home/ada",
        ["XDG_STATE_HOME"] = null,
        ["VIRT_DEFAULT_URI"] = null,
    };

    private static string? Env(string name, Dictionary<string, string?>? overrides = null) =>
        overrides is not null && overrides.TryGetValue(name, out var value) ? value : _environment.GetValueOrDefault(name);

    [TestCase(null, false, false, "virt:///session", "/home/ada/.local/state/virt/run/virtd.sock")]
    [TestCase("", false, false, "virt:///session", "/home/ada/.local/state/virt/run/virtd.sock")]
    [TestCase(null, true, false, "virt:///session", "/home/ada/.local/state/virt/run/virtd-ro.sock")]
    [TestCase(null, false, true, "virt:///system", "/run/virt/virtd.sock")]
    [TestCase("virt:///system", false, false, "virt:///system", "/run/virt/virtd.sock")]
    [TestCase("virt:///system", true, false, "virt:///system", "/run/virt/virtd-ro.sock")]
    [TestCase("virt:///session", false, true, "virt:///session", "/home/ada/.local/state/virt/run/virtd.sock")]
    [TestCase("virt:///system?socket=/tmp/v/admin.sock", true, false, "virt:///system?socket=/tmp/v/admin.sock", "/tmp/v/admin.sock")]
    [TestCase("virt+unix:///tmp/v/virtd.sock", false, false, "virt+unix:///tmp/v/virtd.sock", "/tmp/v/virtd.sock")]
    [TestCase("virt+unix:///tmp/v/virtd-ro.sock", true, false, "virt+unix:///tmp/v/virtd-ro.sock", "/tmp/v/virtd-ro.sock")]
    [TestCase("virt+unix:///tmp/v/virtd.sock", true, false, "virt+unix:///tmp/v/virtd.sock", "/tmp/v/virtd.sock")]
    [TestCase("virt+unix:///system?socket=/tmp/v/x.sock", false, false, "virt+unix:///system?socket=/tmp/v/x.sock", "/tmp/v/x.sock")]
    [TestCase("virt+unix:///?socket=%2Ftmp%2Fv%2Fy.sock", false, false, "virt+unix:///?socket=%2Ftmp%2Fv%2Fy.sock", "/tmp/v/y.sock")]
    [TestCase("virt+unix:///system", true, false, "virt+unix:///system", "/run/virt/virtd-ro.sock")]
    [TestCase("virt+unix:///session", false, false, "virt+unix:///session", "/home/ada/.local/state/virt/run/virtd.sock")]
    public void Unix_socket_URIs(string? uri, bool readOnly, bool isRoot, string resolved, string socket)
    {
        var parsed = VirtUri.Parse(uri, readOnly, n => Env(n), isRoot);
        Assert.That((parsed.Transport, parsed.Text, parsed.SocketPath), Is.EqualTo((VirtTransport.Unix, resolved, socket)));
    }

    [Test]
    public void The_default_follows_VIRT_DEFAULT_URI_and_XDG_STATE_HOME()
    {
        var overrides = new Dictionary<string, string?> { ["VIRT_DEFAULT_URI"] = "test:///default" };
        Assert.That(VirtUri.Parse(null, false, n => Env(n, overrides), false).Transport, Is.EqualTo(VirtTransport.InProcessTest));
        overrides = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = "/var/tmp/state" };
        Assert.That(VirtUri.Parse(null, false, n => Env(n, overrides), false).SocketPath, Is.EqualTo("/var/tmp/state/virt/run/virtd.sock"));
        // An explicit URI wins over the variable.
        overrides = new Dictionary<string, string?> { ["VIRT_DEFAULT_URI"] = "test:///default" };
        Assert.That(VirtUri.Parse("virt:///system", false, n => Env(n, overrides), false).SocketPath, Is.EqualTo("/run/virt/virtd.sock"));
    }

    [TestCase("virt+tcp://hosta:16600/", "hosta", 16600)]
    [TestCase("virt+tcp://hosta/", "hosta", 16509)]
    [TestCase("virt+tcp://127.0.0.1:5000", "127.0.0.1", 5000)]
    [TestCase("virt+tcp://[::1]:5000/", "::1", 5000)]
    public void Tcp_URIs(string uri, string host, int port)
    {
        var parsed = VirtUri.Parse(uri, false, n => Env(n), false);
        Assert.That((parsed.Transport, parsed.Host, parsed.Port), Is.EqualTo((VirtTransport.Tcp, host, port)));
    }

    [Test]
    public void Test_default_runs_in_process()
    {
        Assert.That(VirtUri.Parse("test:///default", true, n => Env(n), false).Transport, Is.EqualTo(VirtTransport.InProcessTest));
    }

    [TestCase("test:///other.xml")]
    [TestCase("test://host/default")]
    [TestCase("qemu:///system")]
    [TestCase("virt:///other")]
    [TestCase("virt://hosta/system")]
    [TestCase("virt+unix:///")]
    [TestCase("virt+unix://hosta/tmp/x.sock")]
    [TestCase("virt+unix:///system?socket=relative.sock")]
    [TestCase("virt+tcp:///")]
    [TestCase("not a uri")]
    public void Unusable_URIs_are_INVALID_ARGUMENT_naming_the_URI(string uri)
    {
        var e = Assert.Throws<VirtClientException>(() => VirtUri.Parse(uri, false, n => Env(n), false));
        Assert.That((e!.Code, e.Reason), Is.EqualTo((StatusCode.InvalidArgument, Virt.Protocol.V1.ErrorReason.InvalidArgument)));
        Assert.That(e.Message, Does.StartWith($"Cannot connect to '{uri}': "));
        Assert.That(e.Metadata["uri"], Is.EqualTo(uri));
    }

    [Test]
    public async Task Opening_an_unusable_URI_fails_the_same_way()
    {
        var e = Assert.ThrowsAsync<VirtClientException>(() => VirtConnection.OpenAsync("qemu:///system"));
        Assert.That(e!.Code, Is.EqualTo(StatusCode.InvalidArgument));
        await Task.CompletedTask;
    }
}
