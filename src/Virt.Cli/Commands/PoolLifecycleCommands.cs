using System.Security;
using System.Text;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>pool-define, pool-define-as, pool-create, pool-create-as, pool-build, pool-start, pool-destroy, pool-delete,
/// pool-undefine, pool-autostart, pool-refresh (virsh-pool.c).</summary>
internal static class PoolLifecycleCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("pool-define", CommandGroup.Pool, "define an inactive persistent storage pool or modify an existing persistent one from an XML file",
            "Define a new inactive persistent storage pool or modify an existing persistent one from the XML file.",
            [Opt.File("file containing an XML pool description"), Opt.Flag("validate", "validate the XML against the schema")], DefineAsync),
        new("pool-define-as", CommandGroup.Pool, "define a pool from a set of args", "Define a pool.", [.. AsOptions(), Opt.Flag("print-xml", "print XML document, but don't define/create")], DefineAsAsync),
        new("pool-create", CommandGroup.Pool, "create a pool from an XML file", "Create a pool.",
        [
            Opt.File("file containing an XML pool description"),
            Opt.Flag("build", "build the pool as normal"),
            Opt.Flag("overwrite", "do not check for existing pool's formatting (to be used with --build)"),
            Opt.Flag("no-overwrite", "check for existing pool's formatting (to be used with --build)"),
        ], CreateAsync),
        new("pool-create-as", CommandGroup.Pool, "create a pool from a set of args", "Create a pool.",
        [
            .. AsOptions(),
            Opt.Flag("print-xml", "print XML document, but don't define/create"),
            Opt.Flag("build", "build the pool as normal"),
            Opt.Flag("overwrite", "do not check for existing pool's formatting (to be used with --build)"),
            Opt.Flag("no-overwrite", "check for existing pool's formatting (to be used with --build)"),
        ], CreateAsAsync),
        new("pool-build", CommandGroup.Pool, "build a pool", "Build a given pool.",
        [
            Opt.Pool(),
            Opt.Flag("no-overwrite", "do not overwrite any existing data"),
            Opt.Flag("overwrite", "overwrite any existing data"),
        ], BuildAsync),
        new("pool-start", CommandGroup.Pool, "start a (previously defined) inactive pool", "Start a pool.",
        [
            new("pool", OptionKind.String, "name or uuid of the inactive pool", Required: true),
            Opt.Flag("build", "build the pool as normal"),
            Opt.Flag("overwrite", "do not check for existing pool's formatting (to be used with --build)"),
            Opt.Flag("no-overwrite", "check for existing pool's formatting (to be used with --build)"),
        ], StartAsync),
        new("pool-destroy", CommandGroup.Pool, "destroy (stop) a pool", "Forcefully stop a given pool. Raw data in the pool is untouched", [Opt.Pool()],
            (c, ct) => SimpleAsync(c, "Failed to destroy pool {0}", "Pool {0} destroyed\n", "destroyed",
                (conn, r) => conn.Storage.DestroyPoolAsync(new Proto.DestroyPoolRequest { Pool = r }), ct)),
        new("pool-delete", CommandGroup.Pool, "delete a pool", "Delete a given pool.", [Opt.Pool()],
            (c, ct) => SimpleAsync(c, "Failed to delete pool {0}", "Pool {0} deleted\n", "deleted",
                (conn, r) => conn.Storage.DeletePoolAsync(new Proto.DeletePoolRequest { Pool = r }), ct)),
        new("pool-undefine", CommandGroup.Pool, "undefine an inactive pool", "Undefine the configuration for an inactive pool.", [Opt.Pool()],
            (c, ct) => SimpleAsync(c, "Failed to undefine pool {0}", "Pool {0} has been undefined\n", "undefined",
                (conn, r) => conn.Storage.UndefinePoolAsync(new Proto.UndefinePoolRequest { Pool = r }), ct)),
        new("pool-autostart", CommandGroup.Pool, "autostart a pool", "Configure a pool to be automatically started at boot.",
            [Opt.Pool(), Opt.Flag("disable", "disable autostarting")], AutostartAsync),
        new("pool-refresh", CommandGroup.Pool, "refresh a pool", "Refresh a given pool.", [Opt.Pool()],
            (c, ct) => SimpleAsync(c, "Failed to refresh pool {0}", "Pool {0} refreshed\n", "refreshed",
                (conn, r) => conn.Storage.RefreshPoolAsync(new Proto.RefreshPoolRequest { Pool = r }), ct)),
    ];

    private static OptionDef[] AsOptions() =>
    [
        new("name", OptionKind.String, "name of the pool", Required: true),
        new("type", OptionKind.String, "type of the pool", Required: true),
        new("source-host", OptionKind.String, "source-host for underlying storage"),
        new("source-path", OptionKind.String, "source path for underlying storage"),
        new("source-dev", OptionKind.String, "source device for underlying storage"),
        new("source-name", OptionKind.String, "source name for underlying storage"),
        new("target", OptionKind.String, "target for underlying storage"),
        new("source-format", OptionKind.String, "format for underlying storage"),
    ];

    private static async Task<bool> DefineAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var xml = await XmlFiles.ReadAsync(file, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.DefinePoolResponse reply;
        try
        {
            reply = await connection.StorageCallAsync(s => s.DefinePoolAsync(new Proto.DefinePoolRequest { Xml = xml, Validate = c.Args.Bool("validate") }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to define pool from {file}");
        }
        Report(c, reply.Pool.Name, reply.Pool.Uuid, "defined", $"Pool {reply.Pool.Name} defined from {file}\n");
        return true;
    }

    private static async Task<bool> DefineAsAsync(CommandContext c, CancellationToken ct)
    {
        var xml = BuildXml(c);
        if (c.Args.Bool("print-xml"))
        {
            c.PrintXml(xml);
            return true;
        }
        var connection = await c.ConnectionAsync(ct);
        Proto.DefinePoolResponse reply;
        try
        {
            reply = await connection.StorageCallAsync(s => s.DefinePoolAsync(new Proto.DefinePoolRequest { Xml = xml }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to define pool {c.Args.Required("name")}");
        }
        Report(c, reply.Pool.Name, reply.Pool.Uuid, "defined", $"Pool {reply.Pool.Name} defined\n");
        return true;
    }

    private static async Task<bool> CreateAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var overwrite = Overwrite(c);
        var xml = await XmlFiles.ReadAsync(file, ct);
        var pool = await CreateXmlAsync(c, xml, overwrite, $"Failed to create pool from {file}", ct);
        Report(c, pool.Pool.Name, pool.Pool.Uuid, "created", $"Pool {pool.Pool.Name} created from {file}\n");
        return true;
    }

    private static async Task<bool> CreateAsAsync(CommandContext c, CancellationToken ct)
    {
        var overwrite = Overwrite(c);
        var xml = BuildXml(c);
        if (c.Args.Bool("print-xml"))
        {
            c.PrintXml(xml);
            return true;
        }
        var pool = await CreateXmlAsync(c, xml, overwrite, $"Failed to create pool {c.Args.Required("name")}", ct);
        Report(c, pool.Pool.Name, pool.Pool.Uuid, "created", $"Pool {pool.Pool.Name} created\n");
        return true;
    }

    private static async Task<Proto.PoolSummary> CreateXmlAsync(CommandContext c, string xml, Proto.PoolBuildOverwrite overwrite, string failure, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        try
        {
            var request = new Proto.CreatePoolRequest { Xml = xml, Build = c.Args.Bool("build"), Overwrite = overwrite };
            return (await connection.StorageCallAsync(s => s.CreatePoolAsync(request, cancellationToken: ct))).Pool;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, failure);
        }
    }

    private static async Task<bool> BuildAsync(CommandContext c, CancellationToken ct)
    {
        var overwrite = Overwrite(c);
        return await SimpleAsync(c, "Failed to build pool {0}", "Pool {0} built\n", "built",
            (conn, r) => conn.Storage.BuildPoolAsync(new Proto.BuildPoolRequest { Pool = r, Overwrite = overwrite }), ct);
    }

    private static async Task<bool> StartAsync(CommandContext c, CancellationToken ct)
    {
        var overwrite = Overwrite(c);
        var build = c.Args.Bool("build");
        return await SimpleAsync(c, "Failed to start pool {0}", "Pool {0} started\n", "started",
            (conn, r) => conn.Storage.StartPoolAsync(new Proto.StartPoolRequest { Pool = r, Build = build, Overwrite = overwrite }), ct);
    }

    private static async Task<bool> AutostartAsync(CommandContext c, CancellationToken ct)
    {
        var disable = c.Args.Bool("disable");
        return await SimpleAsync(c, disable ? "failed to unmark pool {0} as autostarted" : "failed to mark pool {0} as autostarted",
            disable ? "Pool {0} unmarked as autostarted\n" : "Pool {0} marked as autostarted\n", disable ? "autostart disabled" : "autostart enabled",
            (conn, r) => conn.Storage.SetPoolAutostartAsync(new Proto.SetPoolAutostartRequest { Pool = r, Autostart = !disable }), ct);
    }

    /// <summary>Look the pool up (virsh's error when it is not there), make one call on its UUID, print virsh's line.</summary>
    private static async Task<bool> SimpleAsync<T>(CommandContext c, string failure, string success, string result,
        Func<VirtConnection, Proto.PoolRef, Grpc.Core.AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        var pool = await PoolCommands.LookupAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var name = c.Args.Required("pool");
        try
        {
            await connection.StorageCallAsync(_ => call(connection, new Proto.PoolRef { Uuid = pool.Pool.Uuid }));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, string.Format(System.Globalization.CultureInfo.InvariantCulture, failure, name));
        }
        Report(c, pool.Pool.Name, pool.Pool.Uuid, result, string.Format(System.Globalization.CultureInfo.InvariantCulture, success, name));
        return true;
    }

    private static Proto.PoolBuildOverwrite Overwrite(CommandContext c)
    {
        c.Args.Exclusive("overwrite", "no-overwrite");
        return c.Args.Bool("overwrite") ? Proto.PoolBuildOverwrite.Overwrite
            : c.Args.Bool("no-overwrite") ? Proto.PoolBuildOverwrite.NoOverwrite
            : Proto.PoolBuildOverwrite.Unspecified;
    }

    /// <summary>virshBuildPoolXML: the pool document pool-define-as and pool-create-as describe.</summary>
    private static string BuildXml(CommandContext c)
    {
        var a = c.Args;
        string E(string s) => SecurityElement.Escape(s) ?? "";
        var xml = new StringBuilder();
        xml.Append("<pool type='").Append(E(a.Required("type"))).Append("'>\n");
        xml.Append("  <name>").Append(E(a.Required("name"))).Append("</name>\n");
        var host = a.String("source-host");
        var path = a.String("source-path");
        var dev = a.String("source-dev");
        var sourceName = a.String("source-name");
        var format = a.String("source-format");
        if (host is not null || path is not null || dev is not null || sourceName is not null || format is not null)
        {
            xml.Append("  <source>\n");
            if (host is not null)
            {
                xml.Append("    <host name='").Append(E(host)).Append("'/>\n");
            }
            if (path is not null)
            {
                xml.Append("    <dir path='").Append(E(path)).Append("'/>\n");
            }
            if (dev is not null)
            {
                xml.Append("    <device path='").Append(E(dev)).Append("'/>\n");
            }
            if (format is not null)
            {
                xml.Append("    <format type='").Append(E(format)).Append("'/>\n");
            }
            if (sourceName is not null)
            {
                xml.Append("    <name>").Append(E(sourceName)).Append("</name>\n");
            }
            xml.Append("  </source>\n");
        }
        if (a.String("target") is { } target)
        {
            xml.Append("  <target>\n    <path>").Append(E(target)).Append("</path>\n  </target>\n");
        }
        xml.Append("</pool>\n");
        return xml.ToString();
    }

    private static void Report(CommandContext c, string name, string uuid, string result, string text)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartObject("pool");
                w.WriteString("name", name);
                w.WriteString("uuid", uuid);
                w.WriteEndObject();
                w.WriteString("result", result);
            });
        }
        else
        {
            c.PrintExtra(text);
        }
    }
}
