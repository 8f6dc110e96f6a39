using System.Text.Json;
using Virt.Cli.Commands;
using Virt.Cli.Output;
using Virt.Client;

namespace Virt.Cli.Runtime;

/// <summary>
/// What a handler works with: its arguments, the session's connection, and stdout. Text goes through
/// <see cref="Print"/> (vshPrint) and <see cref="PrintExtra"/> (vshPrintExtra, silent under <c>-q</c>); after the
/// handler the runner prints virsh's blank line, unless a formatter's whole output (<see cref="Finish"/>) or a JSON
/// document (<see cref="WriteJson"/>) already ended the command.
/// </summary>
internal sealed class CommandContext(Session session, CommandArgs args)
{
    public Session Session { get; } = session;

    public CommandArgs Args { get; } = args;

    /// <summary><c>--json</c>: print one document instead of text.</summary>
    public bool Json => Session.Json;

    public VirshOutputOptions Text => Session.TextOptions;

    /// <summary>The command printed its complete output; no blank line follows.</summary>
    public bool Finished { get; private set; }

    public Task<VirtConnection> ConnectionAsync(CancellationToken cancellationToken) => Session.ConnectionAsync(cancellationToken);

    /// <summary>vshPrint: printed even under <c>-q</c>.</summary>
    public void Print(string text) => Session.Terminal.Out.Write(text);

    /// <summary>vshPrintExtra: informational text that <c>-q</c> drops.</summary>
    public void PrintExtra(string text)
    {
        if (!Session.Quiet)
        {
            Session.Terminal.Out.Write(text);
        }
    }

    /// <summary>A Virt.Cli.Output formatter's result: the command's whole stdout, blank line included.</summary>
    public void Finish(string formatted)
    {
        Session.Terminal.Out.Write(formatted);
        Finished = true;
    }

    /// <summary>A *-dumpxml command's document as the server formatted it (its own final newline), or under --json
    /// the object <c>{"xml": ...}</c>.</summary>
    public void PrintXml(string xml)
    {
        if (Json)
        {
            WriteJson(w => w.WriteString("xml", xml));
        }
        else
        {
            Print(xml);
        }
    }

    /// <summary>The command's one JSON document.</summary>
    public void WriteJson(Action<Utf8JsonWriter> body)
    {
        Session.Terminal.Out.Write(JsonOutput.Document(body));
        Finished = true;
    }
}
