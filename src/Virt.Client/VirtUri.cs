using System.Globalization;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Client;

/// <summary>What a connection URI resolves to.</summary>
internal enum VirtTransport
{
    /// <summary>test:///default: the API and the test driver run inside the client.</summary>
    InProcessTest,

    /// <summary>virtd on a Unix socket.</summary>
    Unix,

    /// <summary>virtd on TCP.</summary>
    Tcp,
}

/// <summary>
/// A parsed connection URI. The rules (README.md has them as a table):
/// <list type="bullet">
/// <item>none: <c>$VIRT_DEFAULT_URI</c>, else <c>virt:///system</c> as root and <c>virt:///session</c> otherwise;</item>
/// <item><c>virt:///system</c>: <c>/run/virt/virtd.sock</c>;</item>
/// <item><c>virt:///session</c>: <c>$XDG_STATE_HOME/virt/run/virtd.sock</c> (<c>~/.local/state</c> when unset), the run
/// directory of an unprivileged virtd with its default state directory;</item>
/// <item><c>virt+unix:///abs/path.sock</c>, or any <c>virt+unix</c> URI with <c>?socket=/abs/path.sock</c>: that socket as given,
/// also when read-only; <c>virt+unix:///system</c> and <c>virt+unix:///session</c> mean the sockets above;</item>
/// <item><c>virt+tcp://host[:port]/</c>: TCP, port 16509 by default (libvirt's);</item>
/// <item><c>test:///default</c>: the test driver in-process, a fresh fixture per connection.</item>
/// </list>
/// Read-only connections to the system or session daemon use <c>virtd-ro.sock</c> beside the admin socket.
/// </summary>
internal sealed record VirtUri(string Text, VirtTransport Transport, string? SocketPath, string? Host, int Port)
{
    public const string DefaultUriVariable = "VIRT_DEFAULT_URI";
    public const string SystemRunDir = "/run/virt";
    public const string AdminSocketName = "virtd.sock";
    public const string ReadOnlySocketName = "virtd-ro.sock";
    public const int DefaultTcpPort = 16509;

    /// <summary>The URI used when none is given.</summary>
    public static string DefaultUri(Func<string, string?> environment, bool isRoot) =>
        environment(DefaultUriVariable) is { Length: > 0 } configured ? configured : isRoot ? "virt:///system" : "virt:///session";

    /// <summary>Where an unprivileged virtd with its default state directory puts its sockets.</summary>
    public static string SessionRunDir(Func<string, string?> environment)
    {
        var stateHome = environment("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(stateHome, "virt", "run");
    }

    public static VirtUri Parse(string? uri, bool readOnly) =>
        Parse(uri, readOnly, Environment.GetEnvironmentVariable, PeerCredentials.Current.IsRoot);

    public static VirtUri Parse(string? uri, bool readOnly, Func<string, string?> environment, bool isRoot)
    {
        var text = string.IsNullOrWhiteSpace(uri) ? DefaultUri(environment, isRoot) : uri.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed))
        {
            throw Invalid(text, "it is not a URI; use virt:///system, virt:///session, virt+unix:///path/to/virtd.sock, virt+tcp://host:port/ or test:///default");
        }
        var socketName = readOnly ? ReadOnlySocketName : AdminSocketName;
        var path = Uri.UnescapeDataString(parsed.AbsolutePath);
        var socketParameter = Query(parsed, "socket");
        switch (parsed.Scheme)
        {
            case "test":
                return path == "/default" && parsed.Host.Length == 0
                    ? new VirtUri(text, VirtTransport.InProcessTest, null, null, 0)
                    : throw Invalid(text, "only test:///default is supported (the built-in fixture)");
            case "virt":
                RequireLocal(parsed, text);
                return path switch
                {
                    "/system" => new VirtUri(text, VirtTransport.Unix, socketParameter ?? Path.Combine(SystemRunDir, socketName), null, 0),
                    "/session" => new VirtUri(text, VirtTransport.Unix, socketParameter ?? Path.Combine(SessionRunDir(environment), socketName), null, 0),
                    _ => throw Invalid(text, "virt:// URIs are virt:///system or virt:///session"),
                };
            case "virt+unix":
                RequireLocal(parsed, text);
                if (socketParameter is not null)
                {
                    return new VirtUri(text, VirtTransport.Unix, RequireAbsolute(socketParameter, text), null, 0);
                }
                return path switch
                {
                    "/system" => new VirtUri(text, VirtTransport.Unix, Path.Combine(SystemRunDir, socketName), null, 0),
                    "/session" => new VirtUri(text, VirtTransport.Unix, Path.Combine(SessionRunDir(environment), socketName), null, 0),
                    "/" or "" => throw Invalid(text, "name the socket: virt+unix:///path/to/virtd.sock or ?socket=/path/to/virtd.sock"),
                    _ => new VirtUri(text, VirtTransport.Unix, RequireAbsolute(path, text), null, 0),
                };
            case "virt+tcp":
                if (parsed.Host.Length == 0)
                {
                    throw Invalid(text, "name the host: virt+tcp://host:port/");
                }
                return new VirtUri(text, VirtTransport.Tcp, null, parsed.Host.Trim('[', ']'), parsed.IsDefaultPort || parsed.Port < 0 ? DefaultTcpPort : parsed.Port);
            default:
                throw Invalid(text, $"the scheme '{parsed.Scheme}' is not supported; use virt, virt+unix, virt+tcp or test");
        }
    }

    private static void RequireLocal(Uri parsed, string text)
    {
        if (parsed.Host.Length > 0)
        {
            throw Invalid(text, $"'{parsed.Scheme}' URIs name a local daemon and take no host; use virt+tcp://{parsed.Host}/ for a remote one");
        }
    }

    private static string RequireAbsolute(string path, string text) =>
        Path.IsPathFullyQualified(path) ? path : throw Invalid(text, $"the socket path '{path}' must be absolute");

    private static string? Query(Uri uri, string name)
    {
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (key == name)
            {
                return eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }
        return null;
    }

    private static VirtClientException Invalid(string uri, string why) =>
        VirtClientException.Local(Grpc.Core.StatusCode.InvalidArgument, ErrorReason.InvalidArgument,
            string.Create(CultureInfo.InvariantCulture, $"Cannot connect to '{uri}': {why}."),
            metadata: new Dictionary<string, string> { ["uri"] = uri });
}
