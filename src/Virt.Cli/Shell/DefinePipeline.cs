using System.Xml;
using Virt.Cli.Commands;
using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Shell;

/// <summary>
/// Consecutive <c>define FILE</c> lines of a shell fed from a pipe or a file, sent up to <see cref="Window"/> at a
/// time instead of one after the other. The daemon then saves them concurrently, and its journal makes one flush
/// durable for all of them (group commit, src/Virt.Store/README.md): a sequential define waits for its own flush.
/// What the user sees does not change: each line is reported (prompt, echo, result or error, blank line) in input
/// order, and only after the answer to it; the shell stays exactly as virsh's for everything else.
/// <list type="bullet">
/// <item>Only a line that is one <c>define</c> whose file reads and names its domain (<c>&lt;name&gt;</c>, and
/// <c>&lt;uuid&gt;</c> if given) is pipelined. Anything else (another command, an unreadable file, a document this
/// quick look cannot name) waits until every define before it is reported, then runs as it always did.</item>
/// <item>Two defines of the same name or UUID are never in flight together: the second waits for the first, so a
/// redefinition lands after the definition it replaces, as in input order.</item>
/// </list>
/// The one difference a watcher can see is the order of the daemon's <c>defined</c> events for distinct domains
/// within a window. Interactive (terminal) input is never pipelined.
/// </summary>
internal sealed class DefinePipeline(Runner runner, Session session)
{
    /// <summary>Defines in flight at most.</summary>
    public const int Window = 32;

    private readonly Queue<Pending> _pending = new();

    public bool IsEmpty => _pending.Count == 0;

    /// <summary>The answer the oldest define waits for.</summary>
    public Task Head => _pending.Peek().Call;

    /// <summary>
    /// Sends <paramref name="commands"/> (the parse of <paramref name="line"/>) as a pipelined define when it is one;
    /// <paramref name="promptShown"/> says whether the prompt for the line is on stdout already.
    /// </summary>
    /// <returns>False: not a line to pipeline; report everything pending, then run it as usual.</returns>
    public async Task<bool> TrySendAsync(string line, bool promptShown, IReadOnlyList<ParsedCommand> commands, CancellationToken cancellationToken)
    {
        if (commands is not [{ Command.Name: "define", Args: { } args } parsed])
        {
            return false;
        }

        var file = args.Required("file");
        string xml;
        try
        {
            xml = XmlFiles.Read(file);
        }
        catch (VshError)
        {
            return false; // Run as usual, which reports it.
        }

        if (Identify(xml) is not { } identity)
        {
            return false;
        }

        var (name, uuid) = identity;

        if (_pending.Any(p => p.Name == name || (uuid is not null && p.Uuid == uuid)))
        {
            await DrainAsync(cancellationToken);
        }

        while (_pending.Count >= Window)
        {
            await ReportHeadAsync(cancellationToken);
        }

        Virt.Client.VirtConnection connection;
        try
        {
            connection = await session.ConnectionAsync(cancellationToken);
        }
        catch (VshError)
        {
            return false;
        }

        // Started on the thread pool: a connection that answers unary calls on the calling thread (vsh's, see
        // VirtConnectionOptions.UnaryCallsOnCallingThread) would otherwise return each define answered, one at a time,
        // and every define would wait for a flush of its own instead of sharing one.
        var validate = args.Bool("validate");
        var call = Task.Run(() => connection.DefineDomainAsync(xml, validate, cancellationToken), cancellationToken);
        _pending.Enqueue(new Pending(line, promptShown, parsed, file, name, uuid, call));
        return true;
    }

    /// <summary>Reports the defines already answered, oldest first, up to the first one still waiting.</summary>
    public async Task ReportAnsweredAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count > 0 && _pending.Peek().Call.IsCompleted)
        {
            await ReportHeadAsync(cancellationToken);
        }
    }

    /// <summary>Reports every define in flight, in order.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count > 0)
        {
            await ReportHeadAsync(cancellationToken);
        }
    }

    private async Task ReportHeadAsync(CancellationToken cancellationToken)
    {
        var head = _pending.Dequeue();
        if (!head.PromptShown)
        {
            InteractiveShell.WritePrompt(session);
        }

        InteractiveShell.Echo(session, head.Line);
        var report = head.Command.Command with { Handler = (c, _) => DomainLifecycleCommands.ReportDefineAsync(c, head.File, head.Call) };
        await runner.RunOneAsync(head.Command with { Command = report }, cancellationToken);
    }

    /// <summary>
    /// The domain's name and UUID (null when the document has none) as the daemon will see them, from a quick read of
    /// the root's children; null when the document is not one this look can name (the daemon will say why).
    /// </summary>
    internal static (string Name, Guid? Uuid)? Identify(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        string? name = null;
        Guid? uuid = null;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "domain" || reader.NamespaceURI.Length != 0 || reader.IsEmptyElement)
            {
                return null;
            }

            reader.Read();
            while (!reader.EOF && reader.Depth > 0)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                }
                else if (reader.NamespaceURI.Length == 0 && reader.LocalName is "name" or "uuid")
                {
                    var field = reader.LocalName;
                    var text = reader.ReadElementContentAsString().Trim();
                    if (field == "name")
                    {
                        if (name is not null)
                        {
                            return null;
                        }

                        name = text;
                    }
                    else
                    {
                        if (uuid is not null || !Guid.TryParse(text, out var parsed))
                        {
                            return null;
                        }

                        uuid = parsed;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is XmlException or InvalidOperationException)
        {
            return null;
        }

        return string.IsNullOrEmpty(name) ? null : (name, uuid);
    }

    private sealed record Pending(string Line, bool PromptShown, ParsedCommand Command, string File, string Name, Guid? Uuid, Task<Proto.DefineDomainResponse> Call);
}
