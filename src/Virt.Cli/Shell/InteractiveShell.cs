using Virt.Cli.Runtime;

namespace Virt.Cli.Shell;

/// <summary>
/// vsh without a command: virsh's banner, the prompt <c>vsh # </c> (<c>vsh &gt; </c> read-only), one line at a
/// time until <c>quit</c>, <c>exit</c> or end of input. When stdin is not a terminal the line read is echoed after
/// the prompt, as readline does in virsh, so a transcript reads the same either way. Errors never end the shell,
/// and its exit status is 0, as in virsh.
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

        while (!session.QuitRequested)
        {
            terminal.Out.Write(session.ReadOnly ? "vsh > " : "vsh # ");
            terminal.Out.Flush();
            var line = await terminal.In.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                break;
            }

            if (!terminal.InputIsTerminal)
            {
                terminal.Out.Write(line + "\n");
            }

            if (line.Length == 0)
            {
                continue;
            }

            IReadOnlyList<ParsedCommand> commands;
            try
            {
                commands = runner.Parse(CommandLineSplitter.Split(line));
            }
            catch (VshError e)
            {
                runner.ReportNotRun(e);
                continue;
            }

            await runner.RunAsync(commands, cancellationToken);
        }

        // virsh ends the session with a line break, after quit as after end of input.
        terminal.Out.Write("\n");
        terminal.Out.Flush();
        return 0;
    }
}
