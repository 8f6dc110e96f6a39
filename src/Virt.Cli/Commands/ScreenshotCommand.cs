using System.Globalization;
using Virt.Cli.Runtime;
using Virt.Client;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh screenshot (virsh-domain.c cmdScreenshot): the image streams into <c>--file</c>, or into a file named
/// virsh's way (virshGenFileName: <c>NAME-YYYY-MM-DD-HH:MM:SS.EXT</c>, local time, the extension from the MIME type) in
/// the current directory. An existing file is overwritten; a file the command created is removed if it fails.
/// </summary>
internal static class ScreenshotCommand
{
    public static CommandDef Definition() =>
        new("screenshot", CommandGroup.Domain, "take a screenshot of a current domain console and store it into a file", "screenshot of a current domain console",
        [
            Opt.Domain(),
            new OptionDef("file", OptionKind.String, "where to store the screenshot"),
            new OptionDef("screen", OptionKind.Number, "ID of a screen to take screenshot of"),
        ], RunAsync);

    /// <summary>virshGenFileName's name for a screenshot taken now.</summary>
    public static string GeneratedName(string domain, string mimeType, DateTime localNow) =>
        domain + "-" + localNow.ToString("yyyy-MM-dd-HH:mm:ss", CultureInfo.InvariantCulture) + mimeType switch
        {
            "image/x-portable-pixmap" => ".ppm",
            "image/png" => ".png",
            _ => "",
        };

    private static async Task<bool> RunAsync(CommandContext c, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        var screen = c.Args.UInt("screen") ?? 0;
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var file = c.Args.String("file");
        var created = false;
        FileStream? target = null;
        string mime;
        try
        {
            mime = await connection.TakeScreenshotAsync(domain.Domain.Uuid, screen, type =>
            {
                file ??= GeneratedName(domain.Domain.Name, type, DateTime.Now);
                created = !File.Exists(file);
                try
                {
                    target = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    created = false;
                    throw VshError.Of($"cannot create file {file}");
                }
                return target;
            }, ct);
            await target!.DisposeAsync();
        }
        catch (VirtClientException e)
        {
            await DiscardAsync(target, created ? file : null);
            throw target is null
                ? VshError.FromClient(e, $"could not take a screenshot of {argument}")
                : VshError.FromClient(e, $"could not receive data from domain {argument}");
        }
        catch
        {
            await DiscardAsync(target, created ? file : null);
            throw;
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("file", file);
                w.WriteString("mime_type", mime);
            });
        }
        else
        {
            c.PrintExtra($"Screenshot saved to {file}, with type of {mime}");
        }
        return true;
    }

    private static async Task DiscardAsync(FileStream? target, string? createdFile)
    {
        if (target is not null)
        {
            await target.DisposeAsync();
        }
        if (createdFile is not null)
        {
            File.Delete(createdFile);
        }
    }
}
