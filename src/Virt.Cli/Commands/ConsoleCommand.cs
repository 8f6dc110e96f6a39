using Virt.Cli.Runtime;
using Virt.Client;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh console: the guest's console on this terminal (raw mode; Ctrl-], or <c>-e</c>'s escape, leaves) or, when stdin is not a terminal,
/// a plain copy both ways until stdin ends (virsh refuses without a terminal; a pipe is what scripts and tests have).
/// </summary>
internal static class ConsoleCommand
{
    public static CommandDef Definition() =>
        new("console", CommandGroup.Domain, "connect to the guest console", "Connect the virtual serial console for the guest",
        [
            Opt.Domain(),
            new OptionDef("devname", OptionKind.String, "character device name"),
            Opt.Flag("force", "force console connection (disconnect already connected sessions)"),
            Opt.Flag("safe", "only connect if safe console handling is supported"),
        ], RunAsync);

    private static async Task<bool> RunAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        return await AttachAsync(c, c.Args.Required("domain"), domain.Domain, c.Args.String("devname"), c.Args.Bool("force"), ct);
    }

    /// <summary>
    /// The console of <paramref name="domain"/> on this terminal until Ctrl-] or the end of stdin; also what start and
    /// create run with --console once the domain runs (virsh's cmdRunConsole). <paramref name="argument"/> names the
    /// domain in errors, as the user gave it.
    /// </summary>
    internal static async Task<bool> AttachAsync(CommandContext c, string argument, Virt.Protocol.V1.DomainIdentity domain, string? device, bool force, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        VirtConsole console;
        try
        {
            console = await connection.OpenConsoleAsync(domain.Uuid, device, force, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to open the console of domain '{argument}'");
        }
        await using (console)
        {
            c.PrintExtra($"Connected to domain '{domain.Name}'\n");
            // virsh: "Escape character is ^]" and, for a ^ sequence, " (Ctrl + ])".
            var escape = c.Session.Escape;
            c.PrintExtra($"Escape character is {escape}{(escape[0] == '^' ? $" (Ctrl + {escape[1]})" : "")}\n");
            c.Session.Terminal.Out.Flush();
            using var raw = RawTerminalMode.Enter(0);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var output = new FdStream(1, writable: true);
            var escapeByte = EscapeByte(escape);
            var input = Task.Run(() => CopyInputAsync(console, raw is not null, escapeByte, stop), CancellationToken.None);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var data = await console.ReadAsync(stop.Token);
                    if (data.IsEmpty)
                    {
                        break;
                    }
                    output.Write(data.Span);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or VirtClientException && stop.IsCancellationRequested)
            {
                // Ctrl-] or the end of stdin (the call then ends as cancelled).
            }
            catch (VirtClientException e)
            {
                raw?.Dispose();
                throw VshError.FromClient(e, $"The console of domain '{argument}' failed");
            }
            await stop.CancelAsync();
            raw?.Dispose();
            if (raw is not null)
            {
                c.Print("\n");
            }
            if (console.Closed is { Reason: Virt.Protocol.V1.ConsoleCloseReason.TakenOver } closed)
            {
                throw VshError.Of($"The console of domain '{argument}' was taken over by another client: {closed.Message}");
            }
        }
        return true;
    }

    /// <summary>vshGetEscapeChar: <c>^X</c> is the control character of X (<c>^]</c> is 0x1d, <c>^a</c> 0x01), else the character itself.</summary>
    internal static byte EscapeByte(string escape) =>
        escape[0] == '^' ? (byte)(char.ToUpperInvariant(escape[1]) ^ 0x40) : (byte)escape[0];

    /// <summary>stdin to the console until the escape character (terminal; <c>-e</c>, Ctrl-] by default) or end of input (pipe); then the whole console ends.</summary>
    private static async Task CopyInputAsync(VirtConsole console, bool terminal, byte escapeByte, CancellationTokenSource stop)
    {
        var input = new FdStream(0, writable: false);
        var buffer = new byte[1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var read = input.Read(buffer);
                if (read <= 0)
                {
                    break;
                }
                var escape = terminal ? Array.IndexOf(buffer, escapeByte, 0, read) : -1;
                var length = escape >= 0 ? escape : read;
                if (length > 0)
                {
                    await console.WriteAsync(buffer.AsMemory(0, length), stop.Token);
                }
                if (escape >= 0)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is VirtClientException or IOException or OperationCanceledException)
        {
            // The console ended first.
        }
        await console.CompleteAsync();
        await stop.CancelAsync();
    }
}
