using System.Diagnostics;

namespace Virt.Testing;

/// <summary>
/// A real virtd started from this checkout's build with a temporary state directory. Its log lines are captured;
/// disposing stops it (SIGTERM, then SIGKILL) and deletes the directory.
/// </summary>
public sealed class VirtdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _pumps;
    private readonly bool _ownsStateDir;

    private VirtdProcess(Process process, string stateDir, bool ownsStateDir)
    {
        _process = process;
        _ownsStateDir = ownsStateDir;
        StateDir = stateDir;
        Log = new ConsoleLines($"virtd {process.Id}");
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
    }

    /// <summary>
    /// The virtd executable built alongside the running tests (same configuration), or <c>$VIRT_TEST_VIRTD</c> when set
    /// (the NativeAOT binary as installed: README, Running virtd).
    /// </summary>
    public static string Binary
    {
        get
        {
            if (Environment.GetEnvironmentVariable("VIRT_TEST_VIRTD") is { Length: > 0 } chosen)
            {
                return File.Exists(chosen) ? chosen : throw new FileNotFoundException($"VIRT_TEST_VIRTD names {chosen}, which does not exist.", chosen);
            }
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(RepoPaths.Root, "src", "Virt.Daemon", "bin", configuration, "net10.0", "virtd");
            return File.Exists(path) ? path : throw new FileNotFoundException($"virtd is not built at {path}; build Virt.sln first.", path);
        }
    }

    public string StateDir { get; }

    public string RunDir => Path.Combine(StateDir, "run");

    public string AdminSocket => Path.Combine(RunDir, "virtd.sock");

    public string ReadOnlySocket => Path.Combine(RunDir, "virtd-ro.sock");

    /// <summary>The admin socket as a client URI.</summary>
    public string AdminUri => "virt+unix://" + AdminSocket;

    /// <summary>The read-only socket as a client URI.</summary>
    public string ReadOnlyUri => "virt+unix://" + ReadOnlySocket;

    public int Pid => _process.Id;

    /// <summary>stdout and stderr, merged, line by line.</summary>
    public ConsoleLines Log { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts virtd and waits until it logs that it is ready.</summary>
    /// <param name="stateDir">An existing state directory to reuse (kept on dispose), or null for a new temporary one.</param>
    /// <param name="extraArguments">More virtd options.</param>
    public static Task<VirtdProcess> StartAsync(string? stateDir = null, params string[] extraArguments) =>
        StartWrappedAsync([], stateDir, extraArguments, environment: null);

    /// <summary>
    /// Starts virtd with <paramref name="environment"/> added to its environment (its workers and their QEMUs inherit
    /// it, as the commands QEMU runs do) and waits until it is ready.
    /// </summary>
    public static Task<VirtdProcess> StartWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] extraArguments) =>
        StartWrappedAsync([], null, extraArguments, environment);

    /// <summary>
    /// Starts virtd inside network namespace <paramref name="netns"/> (<c>ip netns exec NS virtd …</c>; the process
    /// execs, so <see cref="Pid"/> is virtd's) and waits until it is ready. Its Unix sockets are reachable from here:
    /// they are files, not network endpoints.
    /// </summary>
    public static Task<VirtdProcess> StartInNamespaceAsync(string netns, string? stateDir = null, params string[] extraArguments) =>
        StartWrappedAsync(["ip", "netns", "exec", netns], stateDir, extraArguments, environment: null);

    /// <summary>
    /// Starts virtd as another user (<c>setpriv --reuid USER --regid GROUP --clear-groups</c>; the process execs, so
    /// <see cref="Pid"/> is virtd's) on a new state directory that user owns, and waits until it is ready. For what an
    /// unprivileged virtd may not do to a caller of another user (e.g. take its file descriptors).
    /// </summary>
    public static Task<VirtdProcess> StartAsUserAsync(string user, string group, params string[] extraArguments)
    {
        var stateDir = Directory.CreateTempSubdirectory("virt-virtd-").FullName;
        var chown = Process.Start("chown", [$"{user}:{group}", stateDir]) ?? throw new InvalidOperationException("chown did not start");
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            Directory.Delete(stateDir);
            throw new InvalidOperationException($"chown {user}:{group} {stateDir} failed");
        }
        return StartWrappedAsync(["setpriv", "--reuid", user, "--regid", group, "--clear-groups"], stateDir, extraArguments, environment: null, ownsStateDir: true);
    }

    private static async Task<VirtdProcess> StartWrappedAsync(IReadOnlyList<string> prefix, string? stateDir, string[] extraArguments,
        IReadOnlyDictionary<string, string>? environment, bool ownsStateDir = false)
    {
        var owns = stateDir is null || ownsStateDir;
        stateDir ??= Directory.CreateTempSubdirectory("virt-virtd-").FullName;
        var virtd = Launch(prefix, stateDir, owns, extraArguments, environment);
        try
        {
            await virtd.Log.WaitForTextAsync("virtd ready", TimeSpan.FromSeconds(30), CancellationToken.None);
            return virtd;
        }
        catch
        {
            await virtd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts virtd without waiting for readiness (to observe start-up failures).</summary>
    public static VirtdProcess Launch(string stateDir, bool ownsStateDir, params string[] extraArguments) =>
        Launch([], stateDir, ownsStateDir, extraArguments, environment: null);

    private static VirtdProcess Launch(IReadOnlyList<string> prefix, string stateDir, bool ownsStateDir, string[] extraArguments,
        IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : Binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        foreach (var word in prefix.Skip(1))
        {
            start.ArgumentList.Add(word);
        }
        if (prefix.Count > 0)
        {
            start.ArgumentList.Add(Binary);
        }
        start.ArgumentList.Add("--state-dir");
        start.ArgumentList.Add(stateDir);
        foreach (var argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("virtd did not start");
        return new VirtdProcess(process, stateDir, ownsStateDir);
    }

    /// <summary>Sends a signal (SIGTERM by default) and waits for the exit code.</summary>
    public async Task<int> StopAsync(string signal = "TERM", TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
        await _pumps;
        return _process.ExitCode;
    }

    /// <summary>Waits for virtd to exit by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        await _pumps;
        return _process.ExitCode;
    }

    /// <summary>
    /// Every directory and file under the state directory (except the run directory, which holds sockets and the pid
    /// file) with its mode and a SHA-256 of its content, for "nothing on disk changed" checks.
    /// </summary>
    public string StateFingerprint()
    {
        var lines = new List<string>();
        var run = RunDir + Path.DirectorySeparatorChar;
        foreach (var entry in Directory.EnumerateFileSystemEntries(StateDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (entry == RunDir || entry.StartsWith(run, StringComparison.Ordinal))
            {
                continue;
            }
            var relative = Path.GetRelativePath(StateDir, entry);
            lines.Add(Directory.Exists(entry)
                ? $"{relative}/ {File.GetUnixFileMode(entry)}"
                : $"{relative} {File.GetUnixFileMode(entry)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry)))}");
        }
        return string.Join('\n', lines);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync(timeout: TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        if (_ownsStateDir && Directory.Exists(StateDir))
        {
            // Guests outlive virtd by design (their VMM workers are not its children for long); a test's guests go with it.
            await KillGuestsAsync(RunDir);
            Directory.Delete(StateDir, recursive: true);
        }
    }

    /// <summary>
    /// SIGKILLs every VMM worker and QEMU recorded under <c>RUN/qemu/*.state</c> (their pids are there) and waits until
    /// they are gone, so a test leaves no guest behind.
    /// </summary>
    public static async Task KillGuestsAsync(string runDir)
    {
        var directory = Path.Combine(runDir, "qemu");
        if (!Directory.Exists(directory))
        {
            return;
        }
        var pids = new List<int>();
        foreach (var state in Directory.EnumerateFiles(directory, "*.state"))
        {
            foreach (var line in File.ReadAllLines(state))
            {
                if ((line.StartsWith("worker_pid=", StringComparison.Ordinal) || line.StartsWith("qemu_pid=", StringComparison.Ordinal))
                    && int.TryParse(line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var pid) && pid > 0)
                {
                    pids.Add(pid);
                }
            }
        }
        foreach (var pid in pids)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
        // Orphans are reaped by init only every second or two here; wait until they are gone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (pids.Any(pid => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            Log.Add(line);
        }
    }
}
