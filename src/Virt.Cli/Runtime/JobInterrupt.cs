using Virt.Client;

namespace Virt.Cli.Runtime;

/// <summary>
/// virsh's SIGINT handling while a long job runs (virshWatchJob for save, managedsave and migrate, with or without
/// --verbose): Ctrl-C does not end vsh but asks the daemon to abort the domain's job (domjobabort), and the command
/// goes on waiting until the job has ended, then reports its error as usual ("operation aborted: migration out job:
/// canceled by client"). Dispose removes the handler.
/// </summary>
internal sealed class JobInterrupt : IDisposable
{
    private readonly ConsoleCancelEventHandler _handler;

    private JobInterrupt(VirtConnection connection, string domain)
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            _ = AbortAsync(connection, domain);
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>From now until disposed, Ctrl-C aborts the job running on <paramref name="domain"/> (name or UUID).</summary>
    public static JobInterrupt AbortJobOn(VirtConnection connection, string domain) => new(connection, domain);

    public void Dispose() => Console.CancelKeyPress -= _handler;

    private static async Task AbortAsync(VirtConnection connection, string domain)
    {
        try
        {
            await connection.AbortDomainJobAsync(domain, CancellationToken.None);
        }
        catch (VirtClientException)
        {
            // No job yet, or it has just ended: as in virsh, the interrupt then changes nothing.
        }
    }
}
