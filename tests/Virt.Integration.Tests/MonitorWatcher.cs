using System.Diagnostics;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// A vsh qemu-monitor-event running beside the test: started with <c>-d 0</c>, it is returned once its debug line says
/// the watch is in place, so the events the test causes next cannot come before it listens.
/// </summary>
internal sealed class MonitorWatcher : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _pumps;

    private MonitorWatcher(Process process)
    {
        _process = process;
        _process.StandardInput.Close();
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, line =>
        {
            lock (_stdout)
            {
                _stdout.Add(line);
            }
        }), PumpAsync(process.StandardError, line =>
        {
            if (line.Contains("qemu-monitor-event: watching", StringComparison.Ordinal))
            {
                _watching.TrySetResult();
            }
        }));
    }

    public static async Task<MonitorWatcher> StartAsync(VirtdProcess virtd, params string[] command)
    {
        var start = new ProcessStartInfo(VshRun.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in (string[])["-d", "0", "-c", virtd.AdminUri, .. command])
        {
            start.ArgumentList.Add(argument);
        }
        var watcher = new MonitorWatcher(Process.Start(start)!);
        await Task.WhenAny(watcher._watching.Task, watcher._pumps).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(watcher._watching.Task.IsCompleted, Is.True, "vsh's watch was not in place:\n" + watcher.Output());
        return watcher;
    }

    /// <summary>Waits until <paramref name="count"/> events are printed.</summary>
    public Task WaitForLinesAsync(int count, CancellationToken ct) =>
        Eventually.ReadAsync(() => Task.FromResult(Output()), o => o.Split('\n').Count(l => l.StartsWith("event ", StringComparison.Ordinal)) >= count, TimeSpan.FromSeconds(60), ct);

    /// <summary>Ctrl-C, which ends a --loop as virsh's does.</summary>
    public void Interrupt() => VshRun.Signal("INT", _process.Id);

    public async Task<(int Code, string Out)> FinishAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        await _pumps;
        return (_process.ExitCode, Output());
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.Dispose();
    }

    private string Output()
    {
        lock (_stdout)
        {
            return string.Concat(_stdout.Select(l => l + "\n"));
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> line)
    {
        while (await reader.ReadLineAsync() is { } text)
        {
            line(text);
        }
    }
}
