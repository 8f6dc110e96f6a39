using System.Diagnostics;

namespace Virt.Testing;

/// <summary>
/// The value for QEMU's <c>-accel</c> that really runs guests on this host, from <c>tools/guest/accel</c>.
/// A present /dev/kvm is not proof: on the nested hosts we run on it exists, yet a KVM guest hangs as soon
/// as its kernel leaves real mode, so the script probes once per host boot. <c>VIRT_ACCEL</c> overrides it.
/// </summary>
public static class QemuAccelerator
{
    // A probe that has to time out takes about 20 s.
    private static readonly TimeSpan _probeTimeout = TimeSpan.FromMinutes(2);
    private static readonly Lock _gate = new();
    private static Task<string>? _probe;

    /// <summary>"kvm" or "tcg", probed once per test process (and cached across processes by the script).</summary>
    public static Task<string> GetAsync(CancellationToken cancellationToken = default)
    {
        Task<string> probe;
        lock (_gate)
        {
            if (_probe is null || _probe.IsFaulted || _probe.IsCanceled)
            {
                _probe = Task.Run(ProbeAsync, CancellationToken.None);
            }
            probe = _probe;
        }
        return probe.WaitAsync(cancellationToken);
    }

    private static async Task<string> ProbeAsync()
    {
        var script = Path.Combine(RepoPaths.Tools, "guest", "accel");
        using var timeout = new CancellationTokenSource(_probeTimeout);
        var psi = new ProcessStartInfo(script)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {script}");
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{script} did not finish within {_probeTimeout}");
        }
        var accelerator = (await stdout).Trim();
        if (process.ExitCode != 0 || accelerator is not ("kvm" or "tcg"))
        {
            throw new InvalidOperationException($"{script} exited {process.ExitCode} printing '{accelerator}':\n{await stderr}");
        }
        return accelerator;
    }
}
