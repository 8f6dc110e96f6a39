using Virt.Cli.Runtime;

namespace Virt.Cli.Shell;

/// <summary>
/// vsh without a command: virsh's banner, the prompt <c>vsh # </c> (<c>vsh &gt; </c> read-only), one line at a
/// time until <c>quit</c>, <c>exit</c> or end of input. When stdin is not a terminal the line read is echoed after
/// the prompt, as readline does in virsh, so a transcript reads the same either way, and consecutive <c>define</c>
/// lines are sent without waiting for each answer (<see cref="DefinePipeline"/>; the transcript is the same).
/// Errors never end the shell, and its exit status is 0, as in virsh.
/// </summary>
internal static class InteractiveShell
{
    public static async Task<int> RunAsync(Runner runner, Session session, CancellationToken cancellationToken)
    {
        var terminal = session.Terminal;
        session.Interactive = true;
        if (!session.Quiet)
        {
            terminal.Out.Write("Welcome to vsh, the virtualization interactive terminal.\n\n");
            terminal.Out.Write("Type:  'help' for help with commands\n       'quit' to quit\n\n");
        }

        var pipeline = new DefinePipeline(runner, session);
        while (!session.QuitRequested)
        {
            // A line's prompt goes out before it is read, unless defines before it are still to be reported: then
            // it goes out after them, when the line itself is reported.
            var promptShown = pipeline.IsEmpty;
            if (promptShown)
            {
                WritePrompt(session);
            }

            var read = terminal.In.ReadLineAsync(cancellationToken).AsTask();
            while (!pipeline.IsEmpty && !read.IsCompleted)
            {
                // Whoever feeds the pipe may wait for an answer before writing the next line.
                await Task.WhenAny(read, pipeline.Head);
                await pipeline.ReportAnsweredAsync(cancellationToken);
            }

            var line = await read;
            IReadOnlyList<ParsedCommand>? commands = null;
            VshError? syntax = null;
            if (line is { Length: > 0 })
            {
                try
                {
                    commands = runner.Parse(CommandLineSplitter.Split(line));
                }
                catch (VshError e)
                {
                    syntax = e;
                }
            }

            // With -t each define is timed alone, as virsh runs it, so none is pipelined.
            if (line is not null && commands is not null && !terminal.InputIsTerminal && !session.Timing
                && await pipeline.TrySendAsync(line, promptShown, commands, cancellationToken))
            {
                continue;
            }

            if (!promptShown)
            {
                await pipeline.DrainAsync(cancellationToken);
                WritePrompt(session);
            }

            if (line is null)
            {
                break;
            }

            Echo(session, line);
            if (syntax is not null)
            {
                runner.ReportNotRun(syntax);
            }
            else if (commands is not null)
            {
                await runner.RunAsync(commands, cancellationToken);
            }
        }

        // virsh ends the session with a line break, after quit as after end of input.
        terminal.Out.Write("\n");
        terminal.Out.Flush();
        return 0;
    }

    /// <summary>The prompt, flushed so that whoever reads the output sees it before vsh waits for a line.</summary>
    public static void WritePrompt(Session session)
    {
        session.Terminal.Out.Write(session.ReadOnly ? "vsh > " : "vsh # ");
        session.Terminal.Out.Flush();
    }

    /// <summary>readline's echo of the line read, which only a terminal shows by itself.</summary>
    public static void Echo(Session session, string line)
    {
        if (!session.Terminal.InputIsTerminal)
        {
            session.Terminal.Out.Write(line + "\n");
        }
    }
}
