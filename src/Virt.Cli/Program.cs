using Virt.Cli.Commands;
using Virt.Cli.Runtime;
using Virt.Cli.Shell;

namespace Virt.Cli;

/// <summary>vsh: virsh's commands, options, exit codes and text over Virt.Client (README.md has the design).</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var terminal = Terminal.FromConsole();
        try
        {
            return await RunAsync(args, terminal);
        }
        finally
        {
            terminal.Out.Flush();
            terminal.Err.Flush();
        }
    }

    private static async Task<int> RunAsync(string[] args, Terminal terminal)
    {
        // -l again closes the previous file first (vshCloseLogFile); a file that cannot be opened stops vsh.
        void OpenLog(string path)
        {
            terminal.Log?.Dispose();
            terminal.Log = null;
            terminal.Log = VshLog.Open(path);
        }

        GlobalOptions options;
        try
        {
            // virsh reports a warning and opens -l's file when its scan reaches them: a later error is logged.
            options = GlobalOptions.Parse(args, terminal.Error, OpenLog);
        }
        catch (VshError e)
        {
            terminal.Error(e.Messages);
            terminal.Log?.Dispose();
            return 1;
        }

        using var log = terminal.Log;

        CommandTable? table = null;
        table = new CommandTable(Commands(() => table!));
        if (options.Help)
        {
            terminal.Out.Write(HelpText.Usage(table));
            return 0;
        }

        switch (options.Version)
        {
            case VersionRequest.Short:
                terminal.Out.Write(HostCommands.Version + "\n");
                return 0;
            case VersionRequest.Long:
                terminal.Out.Write($"vsh command line tool of Virt {HostCommands.Version}\n\nCompiled with support for:\n Hypervisors: QEMU Test\n Interfaces: virt+unix virt+tcp test\n");
                return 0;
            default:
                break;
        }

        await using var session = new Session(
            new SessionSettings(options.Uri, options.ReadOnly, options.Quiet, options.Json, options.DebugLevel)
            {
                Timing = options.Timing,
                Escape = options.Escape,
                KeepaliveInterval = options.KeepaliveInterval,
                KeepaliveCount = options.KeepaliveCount,
            }, terminal);
        var runner = new Runner(table, session);

        // virsh parses the whole command line first: a syntax error anywhere runs nothing.
        IReadOnlyList<ParsedCommand>? commands = null;
        if (options.Command.Count > 0)
        {
            try
            {
                commands = runner.Parse(options.Command.Count == 1
                    ? CommandLineSplitter.Split(options.Command[0])
                    : [options.Command]);
            }
            catch (VshError e)
            {
                runner.ReportNotRun(e);
                return 1;
            }
        }

        // An explicit -c must connect at start (virshInit); the default URI waits for the first command that needs it.
        if (options.Uri is not null)
        {
            try
            {
                await session.ConnectionAsync(CancellationToken.None);
            }
            catch (VshError e)
            {
                runner.ReportNotRun(e);
                return 1;
            }
        }

        var exitCode = commands is null
            ? await InteractiveShell.RunAsync(runner, session, CancellationToken.None)
            : await runner.RunAsync(commands, CancellationToken.None) ? 0 : 1;
        session.LeaveConnectionToProcessExit();
        return exitCode;
    }

    /// <summary>The command table: one list per area (STYLE.md item 15).</summary>
    private static IEnumerable<CommandDef> Commands(Func<CommandTable> table) =>
    [
        .. DomainCommands.All(),
        .. DomainLifecycleCommands.All(),
        UndefineCommand.Definition(),
        .. DomainRuntimeCommands.All(),
        .. VcpuCommands.All(),
        .. CloneCommand.All(),
        .. MigrationCommands.All(),
        ConsoleCommand.Definition(),
        ScreenshotCommand.Definition(),
        DomIfAddrCommand.Definition(),
        .. DeviceListCommands.All(),
        .. DisplayCommands.All(),
        .. DeviceCommands.All(),
        .. MonitorCommands.All(),
        .. DomainMetadataCommands.All(),
        .. DomainJobCommands.All(),
        .. SaveCommands.All(),
        .. SaveImageCommands.All(),
        .. ManagedSaveCommands.All(),
        EditCommand.Definition(),
        EventCommand.Definition(),
        .. NetworkCommands.All(),
        .. PoolCommands.All(),
        .. PoolLifecycleCommands.All(),
        PoolEventCommand.Definition(),
        .. VolumeCommands.All(),
        .. VolumeTransferCommands.All(),
        .. HostCommands.All(),
        .. NodeCommands.All(),
        .. ShellCommands.All(table),
    ];
}
