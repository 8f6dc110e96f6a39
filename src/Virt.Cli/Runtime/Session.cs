using Virt.Cli.Output;
using Virt.Client;

namespace Virt.Cli.Runtime;

/// <summary>What the global options asked for (<c>-c</c>, <c>-r</c>, <c>-q</c>, <c>--json</c>, <c>-d</c>, and the ones below).</summary>
internal sealed record SessionSettings(string? Uri, bool ReadOnly, bool Quiet, bool Json, int DebugLevel)
{
    /// <summary><c>-t</c>: each command's time follows it.</summary>
    public bool Timing { get; init; }

    /// <summary><c>-e</c>: the console's escape sequence (<c>^]</c>, another character, or <c>^</c> and a letter).</summary>
    public string Escape { get; init; } = "^]";

    /// <summary><c>-k</c>: keepalive interval in seconds, or null (virsh sets keepalive only when asked).</summary>
    public int? KeepaliveInterval { get; init; }

    /// <summary><c>-K</c>: keepalive count, or null.</summary>
    public int? KeepaliveCount { get; init; }
}

/// <summary>
/// One vsh process: its settings, its terminal and its one connection, shared by every command it runs (a
/// <c>test:///default</c> connection is a fresh fixture, so a chain of commands must share it, as in virsh).
/// The connection opens on first use, or at start when <c>-c</c> was given (virshInit).
/// </summary>
internal sealed class Session(SessionSettings settings, Terminal terminal) : IAsyncDisposable
{
    /// <summary>virsh's default debug level (VSH_DEBUG_DEFAULT = VSH_ERR_ERROR): debug lines stay quiet.</summary>
    public const int DefaultDebugLevel = 4;

    private VirtConnection? _connection;
    private bool _leaveConnectionToProcessExit;

    public Terminal Terminal { get; } = terminal;

    /// <summary>The URI asked for; null means Virt.Client's default ($VIRT_DEFAULT_URI, then the system or session daemon).</summary>
    public string? Uri { get; private set; } = settings.Uri;

    public bool ReadOnly { get; private set; } = settings.ReadOnly;

    public bool Quiet { get; } = settings.Quiet;

    public bool Json { get; } = settings.Json;

    /// <summary><c>-t</c>: print each command's time after it.</summary>
    public bool Timing { get; } = settings.Timing;

    /// <summary>The console's escape sequence as given (<c>^]</c> by default).</summary>
    public string Escape { get; } = settings.Escape;

    /// <summary>Interactive mode (the shell): affects only how the session ends.</summary>
    public bool Interactive { get; set; }

    /// <summary>Set by <c>quit</c>/<c>exit</c>: stop after this command.</summary>
    public bool QuitRequested { get; set; }

    /// <summary>The formatters' switches: quiet drops headers and blank lines; the locale picks how non-ASCII prints.</summary>
    public VirshOutputOptions TextOptions { get; } = new(settings.Quiet, TextLocaleFromEnvironment());

    /// <summary>The open connection, opening it first if needed.</summary>
    /// <exception cref="VshError">virsh's "failed to connect to the hypervisor" and the reason.</exception>
    public async Task<VirtConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        try
        {
            _connection = await OpenAsync(Uri, ReadOnly, cancellationToken);
            return _connection;
        }
        catch (VirtClientException e) when (e.Reason == Virt.Protocol.V1.ErrorReason.OperationUnsupported && KeepaliveRequested)
        {
            throw VshError.FromClient(e, "Cannot setup keepalive on connection as requested, disconnecting", "failed to connect to the hypervisor");
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, "failed to connect to the hypervisor");
        }
    }

    // virsh: keepalive is forced when -k or -K was given (a connection that cannot keep alive is refused), with the
    // defaults (5 s, 6) for the one not given; -k 0 turns it off, so nothing is asked of the connection.
    private bool KeepaliveRequested => settings.KeepaliveInterval is not null || settings.KeepaliveCount is not null;

    // vsh makes one call at a time (DefinePipeline starts its defines on the thread pool), so its unary calls are
    // answered on the calling thread, without the pooled connections' hand-offs.
    private Task<VirtConnection> OpenAsync(string? uri, bool readOnly, CancellationToken cancellationToken) =>
        VirtConnection.OpenAsync(uri, readOnly, new VirtConnectionOptions
        {
            KeepaliveInterval = KeepaliveRequested && settings.KeepaliveInterval != 0 ? settings.KeepaliveInterval ?? 5 : null,
            KeepaliveCount = settings.KeepaliveCount ?? 6,
            UnaryCallsOnCallingThread = true,
        }, cancellationToken);

    /// <summary>The <c>connect</c> command: drop the connection and open another (virshReconnect). On failure the
    /// old URI stays the one to reconnect to, so later commands still find a connection.</summary>
    public async Task ReconnectAsync(string? uri, bool readOnly, CancellationToken cancellationToken)
    {
        await CloseAsync();
        try
        {
            _connection = await OpenAsync(uri ?? Uri, readOnly, cancellationToken);
        }
        catch (VirtClientException e) when (e.Reason == Virt.Protocol.V1.ErrorReason.OperationUnsupported && KeepaliveRequested)
        {
            throw VshError.FromClient(e, "Cannot setup keepalive on connection as requested, disconnecting", "failed to connect to the hypervisor");
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, "failed to connect to the hypervisor");
        }

        Uri = uri ?? Uri;
        ReadOnly = readOnly;
    }

    /// <summary>vshDebug: a line on stderr when <c>-d</c> asked for this level.</summary>
    public void Debug(int level, string message)
    {
        if (level >= settings.DebugLevel)
        {
            Terminal.Log?.Write(level, message);
        }

        if (level >= settings.DebugLevel && settings.DebugLevel < DefaultDebugLevel)
        {
            Terminal.Out.Flush();
            Terminal.Err.Write(message + "\n");
            Terminal.Err.Flush();
        }
    }

    /// <summary>
    /// The process ends next: leave the connection for the kernel to close with it instead of closing it first.
    /// Closing it aborts the HTTP/2 connection's pending read and write, which end in exceptions on the thread pool;
    /// for a one-shot <c>list --all</c> that was about 27 of its 470 page faults, and the daemon sees the socket
    /// closed either way (README.md, Start-up).
    /// </summary>
    public void LeaveConnectionToProcessExit() => _leaveConnectionToProcessExit = true;

    public async ValueTask DisposeAsync()
    {
        if (!_leaveConnectionToProcessExit)
        {
            await CloseAsync();
        }
    }

    private async Task CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    // virsh prints non-ASCII as \xNN escapes unless the C library runs in a UTF-8 locale (setlocale(LC_ALL, "")).
    private static TextLocale TextLocaleFromEnvironment()
    {
        var locale = FirstSet("LC_ALL", "LC_CTYPE", "LANG");
        return locale is null || locale is "C" or "POSIX" || !(locale.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || locale.Contains("utf8", StringComparison.OrdinalIgnoreCase))
            ? TextLocale.C
            : TextLocale.Utf8;
    }

    private static string? FirstSet(params string[] names) =>
        names.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
