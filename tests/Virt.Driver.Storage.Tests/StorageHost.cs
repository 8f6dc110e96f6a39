using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Virt.Protocol.V1;
using Virt.Testing;

namespace Virt.Driver.Storage.Tests;

/// <summary>What a finished process printed and returned.</summary>
internal sealed record Run(string Stdout, string Stderr, int ExitCode)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    /// <summary>The reason of vsh's --json error document.</summary>
    public string Reason => Json.GetProperty("error").GetProperty("reason").GetString() ?? "";

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}--- stderr ---\n{Stderr}";
}

/// <summary>
/// A real virtd (QEMU driver, so the storage driver) with vsh to drive it, and the host tools the checks compare
/// against (qemu-img, vgs, losetup). Disposing stops virtd and removes its state directory.
/// </summary>
internal sealed class StorageHost : IAsyncDisposable
{
    private StorageHost(VirtdProcess virtd) => Virtd = virtd;

    public VirtdProcess Virtd { get; private set; }

    public string Uri => Virtd.AdminUri;

    /// <summary>The default pool's directory (made on virtd's first start).</summary>
    public string Images => Path.Combine(Virtd.StateDir, "images");

    public static async Task<StorageHost> StartAsync() => new(await VirtdProcess.StartAsync());

    /// <summary>virtd as nobody (vsh stays root): an unprivileged virtd, which may not take a root caller's descriptors.</summary>
    public static async Task<StorageHost> StartAsNobodyAsync() => new(await VirtdProcess.StartAsUserAsync("nobody", "nogroup"));

    public static string Vsh => RepoPaths.Vsh;

    /// <summary><c>data.img</c> in the <c>default</c> pool: the volume the transfer tests create and move bytes through.</summary>
    public static VolumeRef DataVolume => new() { PoolVolume = new VolumeName { Pool = new PoolRef { Name = "default" }, Name = "data.img" } };

    /// <summary>Runs one vsh command line against this virtd.</summary>
    public Task<Run> VshAsync(params string[] arguments) => RunAsync(Vsh, ["-c", Uri, .. arguments]);

    /// <summary>Runs one vsh command line against this virtd with more environment (e.g. VIRT_VOLUME_TRANSFER=stream).</summary>
    public Task<Run> VshWithAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunAsync(Vsh, ["-c", Uri, .. arguments], environment: environment);

    /// <summary>The same with --json.</summary>
    public Task<Run> JsonAsync(params string[] arguments) => RunAsync(Vsh, ["--json", "-c", Uri, .. arguments]);

    /// <summary>Kills virtd (SIGKILL) and starts a new one on the same state directory.</summary>
    public async Task RestartAsync(string signal = "KILL")
    {
        var state = Virtd.StateDir;
        await Virtd.StopAsync(signal);
        var next = await VirtdProcess.StartAsync(state);
        // The first instance owned the directory; hand ownership over by keeping the old object around for disposal order.
        _previous.Add(Virtd);
        Virtd = next;
    }

    private readonly List<VirtdProcess> _previous = [];

    public async ValueTask DisposeAsync()
    {
        await Virtd.DisposeAsync();
        foreach (var old in _previous)
        {
            await old.DisposeAsync();
        }
    }

    public static async Task<Run> RunAsync(string executable, IEnumerable<string> arguments, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["LVM_SUPPRESS_FD_WARNINGS"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(180));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish");
        }
        return new Run(await stdout, await stderr, process.ExitCode);
    }

    /// <summary><c>qemu-img info --output=json -f FORMAT</c> of a file (the format always given: nothing is probed).</summary>
    public static async Task<JsonElement> QemuImgInfoAsync(string path, string format)
    {
        var run = await RunAsync("qemu-img", ["info", "--output=json", "-U", "-f", format, path]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        return run.Json;
    }

    public static async Task<string> Sha256Async(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexString(await System.Security.Cryptography.SHA256.HashDataAsync(file));
    }
}
