namespace Virt.Driver;

/// <summary>Why a console stream ended (the values of <c>virt.v1.ConsoleCloseReason</c>).</summary>
public enum ConsoleCloseReason
{
    Unspecified = 0,

    /// <summary>The guest stopped or the device went away.</summary>
    GuestStopped = 1,

    /// <summary>Another client opened the console with force.</summary>
    TakenOver = 2,

    /// <summary>An I/O error.</summary>
    Error = 3,

    /// <summary>The daemon is shutting down; the guest keeps running.</summary>
    DaemonStopping = 4,
}

/// <summary>Guest output, or the end of the stream with its reason.</summary>
/// <param name="Data">Bytes the guest wrote (empty when the stream closes).</param>
/// <param name="Closed">Set on the last item: why the stream ended.</param>
/// <param name="Message">Says more about <paramref name="Closed"/>.</param>
public sealed record ConsoleOutput(ReadOnlyMemory<byte> Data, ConsoleCloseReason? Closed = null, string Message = "");

/// <summary>
/// An open console (<c>virsh console</c>): raw bytes both ways. One client holds a domain's console at a time; the
/// stream ends when the client disposes it, the guest stops, or another client takes it with force.
/// </summary>
public interface IDomainConsole : IAsyncDisposable
{
    /// <summary>The device alias actually opened, e.g. <c>serial0</c>.</summary>
    string Device { get; }

    /// <summary>The domain as it was when the console opened.</summary>
    DomainSummary Domain { get; }

    /// <summary>Guest output in order; the last item has <see cref="ConsoleOutput.Closed"/> set (or the sequence just ends when the connection broke).</summary>
    IAsyncEnumerable<ConsoleOutput> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Bytes typed into the console.</summary>
    Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
