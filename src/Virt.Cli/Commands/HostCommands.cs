using System.Globalization;
using System.Reflection;
using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>version, hostname, uri (virsh-host.c).</summary>
internal static class HostCommands
{
    /// <summary>This vsh's version (the assembly's informational version without build metadata).</summary>
    public static string Version { get; } =
        typeof(HostCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEnumerable<CommandDef> All() =>
    [
        new("version", CommandGroup.Host, "show version", "Display the system version information.",
            [Opt.Flag("daemon", "report daemon version too")], VersionAsync),
        new("hostname", CommandGroup.Host, "print the hypervisor hostname", "",
            [], HostnameAsync),
        new("uri", CommandGroup.Host, "print the hypervisor canonical URI", "",
            [], UriAsync),
    ];

    private static async Task<bool> VersionAsync(CommandContext c, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        var v = await connection.Host.GetVersionAsync(new Proto.GetVersionRequest(), cancellationToken: ct);
        var type = v.HypervisorType.ToUpperInvariant();
        var api = VersionText(v.LibraryVersionNumber);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("vsh", Version);
                w.WriteString("hypervisor_type", type);
                w.WriteString("api", api);
                w.WriteString("hypervisor", v.HypervisorVersion);
                w.WriteString("daemon", v.DaemonVersion);
                w.WriteString("api_version", v.ApiVersion);
            });
            return true;
        }

        c.Print($"Compiled against library: virt {Version}\n");
        c.Print($"Using library: virt {Version}\n");
        c.Print($"Using API: {type} {api}\n");
        c.Print($"Running hypervisor: {type} {v.HypervisorVersion}\n");
        if (c.Args.Bool("daemon"))
        {
            c.Print($"Running against daemon: {v.DaemonVersion}\n");
        }

        return true;
    }

    private static async Task<bool> HostnameAsync(CommandContext c, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        var name = (await connection.Host.GetHostnameAsync(new Proto.GetHostnameRequest(), cancellationToken: ct)).Hostname;
        if (c.Json)
        {
            c.WriteJson(w => w.WriteString("hostname", name));
        }
        else
        {
            c.Print(name + "\n");
        }

        return true;
    }

    private static async Task<bool> UriAsync(CommandContext c, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        var info = await connection.Host.GetConnectionInfoAsync(new Proto.GetConnectionInfoRequest(), cancellationToken: ct);
        // The server's canonical form when it has one (virConnectGetURI), else the URI this client resolved.
        var uri = string.IsNullOrEmpty(info.Uri) ? connection.Uri : info.Uri;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("uri", uri);
                w.WriteBoolean("read_only", info.ReadOnly);
                w.WriteString("driver", info.Driver);
                w.WriteString("transport", info.Transport);
            });
        }
        else
        {
            c.Print(uri + "\n");
        }

        return true;
    }

    // libvirt's encoding: major * 1,000,000 + minor * 1,000 + micro.
    private static string VersionText(ulong number) =>
        string.Create(CultureInfo.InvariantCulture, $"{number / 1_000_000}.{number / 1_000 % 1_000}.{number % 1_000}");
}
