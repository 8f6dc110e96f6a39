using System.Diagnostics;

namespace Virt.Testing;

/// <summary>
/// Another process's exclusive advisory lock (flock(2), through util-linux's flock) on a file, held until disposed:
/// what a user's <c>flock</c>, a backup tool or a .NET program opening the file with FileShare.None does. Code of ours
/// that opened files with .NET's default sharing took a shared flock and failed against it.
/// </summary>
public sealed class ExclusiveFlock : IAsyncDisposable
{
    private readonly Process _holder;

    private ExclusiveFlock(Process holder) => _holder = holder;

    /// <summary>Locks <paramref name="path"/> (created if missing) and returns once the lock is held.</summary>
    public static async Task<ExclusiveFlock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        // --close: cat does not inherit the locked descriptor, so the lock ends with flock when cat's stdin closes.
        var holder = Start("flock", "--exclusive", "--close", path, "cat");
        var flock = new ExclusiveFlock(holder);
        try
        {
            while (await ProbeSharedAsync(path, cancellationToken))
            {
                if (holder.HasExited)
                {
                    throw new InvalidOperationException($"flock --exclusive {path} exited with {holder.ExitCode}: {await holder.StandardError.ReadToEndAsync(cancellationToken)}");
                }
                await Task.Delay(20, cancellationToken);
            }
            return flock;
        }
        catch
        {
            await flock.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _holder.StandardInput.Close();
        await _holder.WaitForExitAsync();
        _holder.Dispose();
    }

    /// <summary>Whether a shared lock on <paramref name="path"/> can be taken right now (flock exits 1 when it cannot).</summary>
    private static async Task<bool> ProbeSharedAsync(string path, CancellationToken cancellationToken)
    {
        using var probe = Start("flock", "--shared", "--nonblock", path, "true");
        await probe.WaitForExitAsync(cancellationToken);
        return probe.ExitCode == 0;
    }

    private static Process Start(string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
    }
}
