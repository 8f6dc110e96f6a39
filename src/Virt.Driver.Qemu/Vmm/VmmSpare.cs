using System.Diagnostics;

namespace Virt.Driver.Qemu;

/// <summary>
/// One VMM worker started ahead of the next guest start, waiting for its launch spec on stdin. A worker's own start
/// (exec and the .NET runtime's start-up, about 10 ms of CPU on these machines) was on every guest start's path before
/// QEMU could even be spawned; a waiting spare takes it off. The first start after virtd starts spawns its worker as
/// before and leaves a spare behind, so a virtd that never starts a guest keeps no extra process. A spare holds
/// nothing but its pipes to virtd: if virtd goes, its stdin ends and it exits (src/Virt.Vmm/README.md).
/// </summary>
internal sealed class VmmSpare(string binary) : IDisposable
{
    // After a launch, the next spare is spawned this much later, off the path of the answer that launch is sending.
    private static readonly TimeSpan _respawnDelay = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private Process? _spare;
    private bool _respawnPending;
    private bool _disposed;

    /// <summary>The waiting spare if there is one that still runs, else a worker started now.</summary>
    public Process Take()
    {
        Process? spare;
        lock (_lock)
        {
            spare = _spare;
            _spare = null;
        }
        if (spare is not null)
        {
            if (!spare.HasExited)
            {
                return spare;
            }
            spare.Dispose();
        }
        return Spawn(binary);
    }

    /// <summary>Spawns the next spare shortly, unless one is waiting or on its way.</summary>
    public void Replenish()
    {
        lock (_lock)
        {
            if (_disposed || _spare is not null || _respawnPending)
            {
                return;
            }
            _respawnPending = true;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(_respawnDelay).ConfigureAwait(false);
            Process? spawned = null;
            try
            {
                spawned = Spawn(binary);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // The next start spawns its own worker and reports why it cannot.
            }
            lock (_lock)
            {
                _respawnPending = false;
                if (!_disposed && _spare is null)
                {
                    (_spare, spawned) = (spawned, null);
                }
            }
            Discard(spawned);
        }, CancellationToken.None);
    }

    public void Dispose()
    {
        Process? spare;
        lock (_lock)
        {
            _disposed = true;
            spare = _spare;
            _spare = null;
        }
        Discard(spare);
    }

    /// <summary>Starts a worker; it waits for its launch spec on stdin (<see cref="VmmLauncher"/> writes it).</summary>
    public static Process Spawn(string binary)
    {
        var start = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start");
    }

    /// <summary>Ends a spare that got no spec: closing its stdin lets it exit by itself, the kill makes sure.</summary>
    private static void Discard(Process? spare)
    {
        if (spare is null)
        {
            return;
        }
        try
        {
            spare.StandardInput.Close();
            if (!spare.HasExited)
            {
                spare.Kill();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
        // Disposed once reaped, as ReleaseWorkerAsync does with a worker, so no zombie is left behind.
        _ = spare.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10))
            .ContinueWith(_ => spare.Dispose(), TaskScheduler.Default);
    }
}
