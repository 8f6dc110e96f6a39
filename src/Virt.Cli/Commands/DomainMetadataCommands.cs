using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary><c>desc</c> and <c>metadata</c> (virsh-domain.c cmdDesc, cmdMetadata): a domain's title, description and
/// namespaced <c>&lt;metadata&gt;</c> elements, live or persistent.</summary>
internal static class DomainMetadataCommands
{
    private const string MetadataNotFound = "metadata not found: Requested metadata element is not present";

    public static IEnumerable<CommandDef> All() =>
    [
        new("desc", CommandGroup.Domain, "show or set domain's description or title", "Allows setting or modifying the description or title of a domain.",
        [
            Opt.Domain(),
            Opt.Live(),
            Opt.Config(),
            Opt.Current(),
            Opt.Flag("title", "modify/get the title instead of description"),
            Opt.Flag("edit", "open an editor to modify the description"),
            new("new-desc", OptionKind.Argv, "message"),
        ], DescAsync),
        new("metadata", CommandGroup.Domain, "show or set domain's custom XML metadata", "Shows or modifies the XML metadata of a domain.",
        [
            Opt.Domain(),
            new("uri", OptionKind.String, "URI of the namespace", Required: true),
            Opt.Live(),
            Opt.Config(),
            Opt.Current(),
            Opt.Flag("edit", "use an editor to change the metadata"),
            new("key", OptionKind.String, "key to be used as a namespace identifier"),
            new("set", OptionKind.String, "new metadata to set"),
            Opt.Flag("remove", "remove the metadata corresponding to an uri"),
        ], MetadataAsync),
    ];

    private static async Task<bool> DescAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        a.Exclusive("current", "live");
        a.Exclusive("current", "config");
        var live = a.Bool("live");
        var config = a.Bool("config");
        var title = a.Bool("title");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var uuid = domain.Domain.Uuid;
        var type = title ? Proto.DomainMetadataType.Title : Proto.DomainMetadataType.Description;
        var words = a.Argv("new-desc");
        var text = words.Count > 0 ? string.Join(' ', words) : null;

        if (a.Bool("edit") || text is not null)
        {
            if (a.Bool("edit"))
            {
                var current = await connection.GetDomainMetadataAsync(uuid, type, null, config, ct) ?? "";
                var path = Editor.WriteTempFile(text ?? current);
                try
                {
                    await Editor.RunAsync(path, ct);
                    var edited = await Editor.ReadBackAsync(path, ct);
                    if (edited.EndsWith('\n'))
                    {
                        edited = edited[..^1];
                    }

                    if (edited == current)
                    {
                        Report(c, domain.Domain, "not-changed", "Domain description not changed.\n");
                        return true;
                    }

                    text = edited;
                }
                finally
                {
                    Editor.Delete(path);
                }
            }

            try
            {
                await connection.SetDomainMetadataAsync(uuid, type, text, null, null, live, config, ct);
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e, title ? "Failed to set new domain title" : "Failed to set new domain description");
            }

            Report(c, domain.Domain, "updated", title ? "Domain title updated successfully" : "Domain description updated successfully");
            return true;
        }

        var value = await connection.GetDomainMetadataAsync(uuid, type, null, config, ct) ?? "";
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString(title ? "title" : "description", value);
            });
        }
        else if (value.Length > 0)
        {
            c.Print(value);
        }
        else
        {
            c.PrintExtra(title ? $"No title for domain: {domain.Domain.Name}" : $"No description for domain: {domain.Domain.Name}");
        }

        return true;
    }

    private static async Task<bool> MetadataAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        a.Exclusive("current", "live");
        a.Exclusive("current", "config");
        a.Exclusive("edit", "set");
        a.Exclusive("remove", "set");
        a.Exclusive("remove", "edit");
        var live = a.Bool("live");
        var config = a.Bool("config");
        var uri = a.Required("uri");
        var key = a.String("key");
        var set = a.String("set");
        var edit = a.Bool("edit");
        var remove = a.Bool("remove");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var uuid = domain.Domain.Uuid;

        if ((set is not null || edit) && key is null)
        {
            throw VshError.Of("namespace key is required when modifying metadata");
        }

        if (set is not null || remove)
        {
            await connection.SetDomainMetadataAsync(uuid, Proto.DomainMetadataType.Element, set, key, uri, live, config, ct);
            Report(c, domain.Domain, remove ? "removed" : "modified", remove ? "Metadata removed\n" : "Metadata modified\n");
            return true;
        }

        if (edit)
        {
            var current = await connection.GetDomainMetadataAsync(uuid, Proto.DomainMetadataType.Element, uri, config, ct) ?? "";
            var path = Editor.WriteTempFile(current);
            try
            {
                await Editor.RunAsync(path, ct);
                var edited = await Editor.ReadBackAsync(path, ct);
                if (edited == current)
                {
                    Report(c, domain.Domain, "not-changed", "Metadata not changed");
                    return true;
                }

                await connection.SetDomainMetadataAsync(uuid, Proto.DomainMetadataType.Element, edited, key, uri, live, config, ct);
            }
            finally
            {
                Editor.Delete(path);
            }

            Report(c, domain.Domain, "modified", "Metadata modified\n");
            return true;
        }

        var value = await connection.GetDomainMetadataAsync(uuid, Proto.DomainMetadataType.Element, uri, config, ct)
            ?? throw VshError.Of(MetadataNotFound);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("uri", uri);
                w.WriteString("metadata", value);
            });
        }
        else
        {
            c.Print(value + "\n");
        }

        return true;
    }

    private static void Report(CommandContext c, Proto.DomainIdentity domain, string result, string text)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain);
                w.WriteString("result", result);
            });
        }
        else
        {
            c.PrintExtra(text);
        }
    }
}
