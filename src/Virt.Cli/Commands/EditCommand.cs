using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// <c>edit DOMAIN</c> (virsh-domain.c cmdEdit with virsh-edit.c): the persistent XML, secrets included, goes to a
/// temp file; the editor runs; an unchanged file is "not changed"; a changed one is defined with schema
/// validation. If the definition changed meanwhile, or the define fails, virsh asks "Try again?" on a terminal:
/// y edits again, n drops the changes, f defines again as is, i defines without validation. Without a terminal
/// there is nobody to ask: virsh gives up with <c>error: Failed.</c>, and so do we, after printing why (virsh 9.0
/// then also prints a bogus "Domain '(null)' XML configuration edited." and exits 0; we exit 1).
/// </summary>
internal static class EditCommand
{
    public static CommandDef Definition() =>
        new("edit", CommandGroup.Domain, "edit XML configuration for a domain", "Edit the XML configuration for a domain.",
            [Opt.Domain(), Opt.Flag("skip-validate", "skip validation of the XML against the schema")], EditAsync);

    private static async Task<bool> EditAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var uuid = domain.Domain.Uuid;
        var validate = !c.Args.Bool("skip-validate");
        var relaxAvailable = validate;

        var original = await GetXmlAsync(connection, uuid, ct);
        var path = Editor.WriteTempFile(original);
        try
        {
            var editAgain = true;
            while (editAgain)
            {
                editAgain = false;
                await Editor.RunAsync(path, ct);
                var edited = await Editor.ReadBackAsync(path, ct);
                if (edited == original)
                {
                    if (c.Json)
                    {
                        c.WriteJson(w =>
                        {
                            w.WriteDomain("domain", domain.Domain);
                            w.WriteString("result", "not-changed");
                        });
                    }
                    else
                    {
                        c.PrintExtra($"Domain '{domain.Domain.Name}' XML configuration not changed.\n");
                    }

                    return true;
                }

                while (!editAgain)
                {
                    // Did someone else change the definition while it was being edited?
                    string message;
                    VirtClientException? failure = null;
                    var current = await GetXmlAsync(connection, uuid, ct);
                    if (current != original)
                    {
                        message = "The XML configuration was changed by another user.";
                        original = current;
                    }
                    else
                    {
                        try
                        {
                            Edited(c, await connection.DefineDomainAsync(edited, validate, ct));
                            return true;
                        }
                        catch (VirtClientException e)
                        {
                            failure = e;
                            message = "Failed.";
                        }
                    }

                    switch (AskReedit(c.Session, message, failure, relaxAvailable))
                    {
                        case 'y':
                            editAgain = true;
                            break;
                        case 'f':
                            break;
                        case 'i':
                            validate = false;
                            relaxAvailable = false;
                            break;
                        case 'n':
                            return false;
                        default:
                            // No terminal to ask: give up, saying why.
                            throw failure is null ? VshError.Of(message) : VshError.FollowedBy(failure, message);
                    }
                }
            }

            return false;
        }
        finally
        {
            Editor.Delete(path);
        }
    }

    private static void Edited(CommandContext c, Proto.DefineDomainResponse reply)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", reply.Domain);
                w.WriteString("result", "edited");
            });
        }
        else
        {
            c.PrintExtra($"Domain '{reply.Domain.Name}' XML configuration edited.\n");
        }
    }

    private static async Task<string> GetXmlAsync(VirtConnection connection, string uuid, CancellationToken ct) =>
        (await connection.Domains.GetDomainXmlAsync(
            new Proto.GetDomainXmlRequest { Domain = new Proto.DomainRef { Uuid = uuid }, Inactive = true, SecurityInfo = true },
            cancellationToken: ct)).Xml;

    /// <summary>vshAskReedit: on a terminal, report the error and read one key until it is a valid answer; without
    /// one, answer nothing (-1), which gives up.</summary>
    internal static int AskReedit(Session session, string message, VirtClientException? failure, bool relaxAvailable)
    {
        var terminal = session.Terminal;
        if (!terminal.InputIsTerminal)
        {
            return -1;
        }

        if (failure is not null)
        {
            terminal.Error(failure.Message);
        }

        while (true)
        {
            terminal.Out.Write($"\r{message} Try again? {(relaxAvailable ? "[y,n,i,f,?]" : "[y,n,f,?]")}: ");
            terminal.Out.Flush();
            var key = char.ToLowerInvariant(Console.ReadKey(intercept: true).KeyChar);
            if (key == '?')
            {
                terminal.Out.Write("\r\ny - yes, start editor again\r\nn - no, throw away my changes\r\n");
                if (relaxAvailable)
                {
                    terminal.Out.Write("i - turn off validation and try to redefine again\r\n");
                }

                terminal.Out.Write("f - force, try to redefine again\r\n? - print this help\r\n");
                continue;
            }

            if (key is 'y' or 'n' or 'f' || (relaxAvailable && key == 'i'))
            {
                terminal.Out.Write("\r\n");
                terminal.Out.Flush();
                return key;
            }
        }
    }
}
