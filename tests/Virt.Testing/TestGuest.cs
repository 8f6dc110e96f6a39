using System.Diagnostics;

namespace Virt.Testing;

/// <summary>
/// The real test guest built by <c>tools/guest/build</c>: a Debian kernel and a busybox initramfs that
/// prints <c>HEARTBEAT n</c> on ttyS0. See tools/guest/README.md for its console contract and
/// kernel command-line flags.
/// </summary>
public sealed class TestGuest
{
    /// <summary>The kernel command line every boot needs; append <c>virt.*</c> flags to it.</summary>
    public const string BaseCmdline = "console=ttyS0 panic=-1";

    // A cold build downloads a 70 MB kernel package; allow for a slow mirror.
    private static readonly TimeSpan _buildTimeout = TimeSpan.FromMinutes(10);
    private static readonly Lock _gate = new();
    private static Task<TestGuest>? _build;

    private TestGuest(string directory)
    {
        Directory = directory;
    }

    /// <summary>The cache directory holding the guest (key includes package versions and script hash).</summary>
    public string Directory { get; }

    public string KernelPath => Path.Combine(Directory, "vmlinuz");

    public string InitrdPath => Path.Combine(Directory, "initrd.img");

    /// <summary>
    /// Builds the guest on first use in this process (or finds it in the cache) and returns it.
    /// Concurrent callers share one build; cancelling one caller's wait does not cancel the build.
    /// </summary>
    public static Task<TestGuest> GetAsync(CancellationToken cancellationToken = default)
    {
        Task<TestGuest> build;
        lock (_gate)
        {
            // A failed build is retried by the next caller rather than failing every later test for
            // a cause (such as a mirror hiccup) that may have passed.
            if (_build is null || _build.IsFaulted || _build.IsCanceled)
            {
                _build = Task.Run(BuildAsync, CancellationToken.None);
            }
            build = _build;
        }
        return build.WaitAsync(cancellationToken);
    }

    private static async Task<TestGuest> BuildAsync()
    {
        var script = Path.Combine(RepoPaths.Tools, "guest", "build");
        using var timeout = new CancellationTokenSource(_buildTimeout);
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
            throw new TimeoutException($"{script} did not finish within {_buildTimeout}");
        }
        var output = (await stdout).Trim();
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}:\n{errors}");
        }
        var guest = new TestGuest(output);
        if (output.Contains('\n', StringComparison.Ordinal) || !File.Exists(guest.KernelPath) || !File.Exists(guest.InitrdPath))
        {
            throw new InvalidOperationException($"{script} printed '{output}', which is not a directory holding vmlinuz and initrd.img:\n{errors}");
        }
        return guest;
    }
}
