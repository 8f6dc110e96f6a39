using Virt.Cli.Runtime;
using Virt.Client;

namespace Virt.Cli.Commands;

/// <summary><c>save-image-dumpxml</c> and <c>save-image-define</c> (virsh-domain.c cmdSaveImageDumpxml, cmdSaveImageDefine).</summary>
internal static class SaveImageCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("save-image-dumpxml", CommandGroup.Domain, "saved state domain information in XML", "Dump XML of domain information for a saved state file to stdout.",
            [Opt.File("saved state file to read"), Opt.Flag("security-info", "include security sensitive information in XML dump")], DumpXmlAsync),
        new("save-image-define", CommandGroup.Domain, "redefine the XML for a domain's saved state file", "Replace the domain XML associated with a saved state file",
        [
            Opt.File("saved state file to modify"),
            new("xml", OptionKind.String, "filename containing updated XML for the target", Required: true),
            Opt.Flag("running", "set domain to be running on restore"),
            Opt.Flag("paused", "set domain to be paused on restore"),
        ], DefineAsync),
    ];

    private static async Task<bool> DumpXmlAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var connection = await c.ConnectionAsync(ct);
        string xml;
        try
        {
            xml = await connection.GetSaveImageXmlAsync(Path.GetFullPath(file), c.Args.Bool("security-info"), ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        c.PrintXml(xml);
        return true;
    }

    private static async Task<bool> DefineAsync(CommandContext c, CancellationToken ct)
    {
        var file = c.Args.Required("file");
        var state = SaveCommands.State(c);
        var xml = await XmlFiles.ReadAsync(c.Args.Required("xml"), ct);
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.DefineSaveImageXmlAsync(Path.GetFullPath(file), xml, state, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to update {file}");
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("file", file);
                w.WriteString("result", "updated");
            });
        }
        else
        {
            c.PrintExtra($"State file {file} updated.\n");
        }
        return true;
    }
}
