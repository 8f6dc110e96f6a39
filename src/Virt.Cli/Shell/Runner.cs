using System.Text;
using Grpc.Core;
using Virt.Cli.Commands;
using Virt.Cli.Runtime;
using Virt.Client;

namespace Virt.Cli.Shell;

/// <summary>A command ready to run: its definition and bound arguments (null: show its help).</summary>
internal sealed record ParsedCommand(CommandDef Command, CommandArgs? Args);

/// <summary>
/// virsh's command loop (vshCommandRun): parse a whole command line first, then run its commands in order; after
/// each, print the blank line (<c>-q</c> drops it), report a failure as <c>error:</c> lines, and stop after
/// <c>quit</c>/<c>exit</c>. The result is the last command's.
/// </summary>
internal sealed class Runner(CommandTable table, Session session)
{
    public CommandTable Table { get; } = table;

    /// <summary>Looks up and binds each command's words.</summary>
    /// <exception cref="VshError">An unknown command or a syntax error; nothing may run.</exception>
    public IReadOnlyList<ParsedCommand> Parse(IEnumerable<IReadOnlyList<string>> commands)
    {
        var parsed = new List<ParsedCommand>();
        foreach (var words in commands)
        {
            if (words[0].StartsWith('#'))
            {
                // A first word starting with # makes the command a comment (argv form included).
                continue;
            }

            var command = Table.Find(words[0]) ?? throw VshError.Syntax($"unknown command: '{words[0]}'");
            parsed.Add(new ParsedCommand(command, Table.Bind(command, words.Skip(1).ToList())));
        }

        return parsed;
    }

    /// <summary>Runs the commands in order.</summary>
    /// <returns>Whether the last command that ran succeeded.</returns>
    public async Task<bool> RunAsync(IReadOnlyList<ParsedCommand> commands, CancellationToken cancellationToken)
    {
        var ok = true;
        foreach (var command in commands)
        {
            ok = await RunOneAsync(command, cancellationToken);
            if (session.QuitRequested)
            {
                break;
            }
        }

        session.Terminal.Out.Flush();
        return ok;
    }

    /// <summary>Runs one command (its help, when it has no arguments), with virsh's error lines and blank line.</summary>
    public async Task<bool> RunOneAsync(ParsedCommand parsed, CancellationToken cancellationToken)
    {
        if (parsed.Args is null)
        {
            session.Terminal.Out.Write(HelpText.Command(parsed.Command));
            EndCommand(finished: false, TimeSpan.Zero);
            return true;
        }

        var context = new CommandContext(session, parsed.Args);
        var ok = false;
        VshError? error = null;
        var started = 0L;
        try
        {
            if (!parsed.Command.NoConnect)
            {
                await session.ConnectionAsync(cancellationToken);
            }

            // virsh's -t times the handler alone (the connection virshInit opened is not part of it).
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            ok = await parsed.Command.Handler(context, cancellationToken);
        }
        catch (VshError e)
        {
            error = e;
        }
        catch (VirtClientException e)
        {
            error = VshError.FromClient(e);
        }
        catch (RpcException e)
        {
            error = VshError.FromClient(VirtClientException.From(e));
        }
        catch (IOException e)
        {
            error = VshError.Of(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug of ours must still end like any failed command: one error line, the next command runs.
            error = VshError.Of($"internal error: {e.Message}");
        }

        var elapsed = started == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (error is not null)
        {
            ok = false;
            session.Terminal.Error(error.Messages);
            if (session.Json && !context.Finished)
            {
                context.WriteJson(w => WriteError(w, error));
            }
        }

        if (session.QuitRequested)
        {
            // virsh returns straight after quit/exit, without the blank line.
            return ok;
        }

        EndCommand(context.Finished, elapsed);
        return ok;
    }

    private void EndCommand(bool finished, TimeSpan elapsed)
    {
        if (session.Timing && !session.Json)
        {
            // virsh prints "\n(Time: N ms)\n\n" in place of the blank line, with vshPrint, so under -q too. A
            // formatter's output already ends with that blank line, except under -q.
            session.Terminal.Out.Write(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{(finished && !session.Quiet ? "" : "\n")}(Time: {elapsed.TotalMilliseconds:F3} ms)\n\n"));
        }
        else if (!finished && !session.Quiet && !session.Json)
        {
            session.Terminal.Out.Write("\n");
        }

        session.Terminal.Out.Flush();
    }

    /// <summary>Reports a failure before any command ran (syntax, connection): virsh's lines, and with <c>--json</c> the error document too.</summary>
    public void ReportNotRun(VshError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        session.Terminal.Error(error.Messages);
        if (session.Json)
        {
            session.Terminal.Out.Write(JsonOutput.Document(w => WriteError(w, error)));
            session.Terminal.Out.Flush();
        }
    }

    private static void WriteError(System.Text.Json.Utf8JsonWriter w, VshError error)
    {
        w.WriteStartObject("error");
        w.WriteString("message", string.Join(": ", error.Messages));
        w.WriteStartArray("messages");
        foreach (var m in error.Messages)
        {
            w.WriteStringValue(m);
        }

        w.WriteEndArray();
        w.WriteString("code", UpperSnake(error.Code.ToString()));
        if (error.Reason != Virt.Protocol.V1.ErrorReason.Unspecified)
        {
            w.WriteString("reason", UpperSnake(error.Reason.ToString()));
        }

        w.WriteEndObject();
    }

    /// <summary><c>NotFound</c> → <c>NOT_FOUND</c>: gRPC's and the API's wire spelling of enum names.</summary>
    internal static string UpperSnake(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && !char.IsUpper(pascal[i - 1]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(pascal[i]));
        }

        return text.ToString();
    }
}
