using System.Diagnostics;

namespace Virt.Testing;

/// <summary>Runs the repository's scripts (tools/...) for tests, and remembers their answers per test process.</summary>
public static class ToolScript
{
    /// <summary>Runs <c>tools/RELATIVE-PATH</c> without a shell and returns its trimmed stdout.</summary>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (it is killed).</exception>
    /// <exception cref="InvalidOperationException">It exited non-zero; the message holds its stderr.</exception>
    public static async Task<(string Stdout, string Stderr)> RunAsync(string relativePath, TimeSpan timeout)
    {
        var script = Path.Combine(RepoPaths.Tools, relativePath);
        using var cancel = new CancellationTokenSource(timeout);
        var psi = new ProcessStartInfo(script) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {script}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{script} did not finish within {timeout}");
        }
        var output = (await stdout).Trim();
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}, printing '{output}':\n{errors}");
        }
        return (output, errors);
    }
}

/// <summary>
/// A value computed once per test process and shared by concurrent callers. A failed computation is retried by the
/// next caller rather than failing every later test for a cause (such as a mirror hiccup) that may have passed;
/// cancelling one caller's wait does not cancel the computation.
/// </summary>
public sealed class OncePerProcess<T>(Func<Task<T>> compute)
{
    private readonly Lock _gate = new();
    private Task<T>? _task;

    public Task<T> GetAsync(CancellationToken cancellationToken)
    {
        Task<T> task;
        lock (_gate)
        {
            if (_task is null || _task.IsFaulted || _task.IsCanceled)
            {
                _task = Task.Run(compute, CancellationToken.None);
            }
            task = _task;
        }
        return task.WaitAsync(cancellationToken);
    }
}
