using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Virt.Daemon;
using Virt.Driver;

var stateDir = new Option<string?>("--state-dir") { Description = "Directory for definitions and persistent state (default: /var/lib/virt as root, $XDG_STATE_HOME/virt otherwise)." };
var runDir = new Option<string?>("--run-dir") { Description = "Directory for sockets and run state (default: /run/virt as root, STATE-DIR/run otherwise)." };
var listen = new Option<string[]>("--listen") { Description = "Also serve on TCP, as HOST:PORT (repeatable); read-only until TLS client authentication lands.", AllowMultipleArgumentsPerToken = false };
var listenPeer = new Option<string[]>("--listen-peer")
{
    Description = "Serve the daemon-to-daemon migration calls (and reads) on TCP, as HOST:PORT (repeatable); no authentication yet: trusted networks only.",
    AllowMultipleArgumentsPerToken = false,
};
var logFormat = new Option<string>("--log-format") { Description = "Log format: text or json.", DefaultValueFactory = _ => "text" };
logFormat.AcceptOnlyFromAmong("text", "json");
var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages too." };
var driver = new Option<string>("--driver") { Description = "Hypervisor driver: qemu (definitions kept under the state directory) or test (libvirt's test:///default fixture, in memory).", DefaultValueFactory = _ => "qemu" };
driver.AcceptOnlyFromAmong("qemu", "test");
var vcpuOvercommit = new Option<double>("--vcpu-overcommit")
{
    Description = "Running guests may have at most this many vCPUs per host CPU together; starting one more is refused (0: no limit).",
    DefaultValueFactory = _ => VcpuPlacementPolicy.DefaultRatio,
};
vcpuOvercommit.Validators.Add(result =>
{
    if (result.GetValueOrDefault<double>() is < 0 or double.NaN or double.PositiveInfinity)
    {
        result.AddError("--vcpu-overcommit must be a number of vCPUs per host CPU, 0 or more (0: no limit).");
    }
});
var saveImageFormat = new Option<string>("--save-image-format")
{
    Description = "How save and managed save store the guest state, as libvirt's qemu.conf save_image_format: raw, or compressed by gzip, bzip2, xz, lzop or zstd (that program, from PATH).",
    DefaultValueFactory = _ => "raw",
};
saveImageFormat.AcceptOnlyFromAmong("raw", "gzip", "bzip2", "xz", "lzop", "zstd");
var keepaliveInterval = new Option<int>("--keepalive-interval")
{
    Description = "Seconds without a word from a client before virtd pings it, as libvirtd.conf's keepalive_interval (0 or -1: no pings).",
    DefaultValueFactory = _ => ClientKeepalive.DefaultInterval,
};
keepaliveInterval.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < -1)
    {
        result.AddError("--keepalive-interval must be a number of seconds, or 0 or -1 for no pings.");
    }
});
var keepaliveCount = new Option<int>("--keepalive-count")
{
    Description = "Intervals a ping's answer may take before virtd closes the connection, as libvirtd.conf's keepalive_count.",
    DefaultValueFactory = _ => ClientKeepalive.DefaultCount,
};
keepaliveCount.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 0)
    {
        result.AddError("--keepalive-count must be 0 or more.");
    }
});

var root = new RootCommand("virtd: the Virt daemon. It owns the definitions and serves the gRPC API on Unix sockets and, optionally, TCP.")
{
    stateDir, runDir, listen, listenPeer, logFormat, verbose, driver, vcpuOvercommit, saveImageFormat, keepaliveInterval, keepaliveCount,
};
root.SetAction(async (parse, _) =>
{
    var paths = DaemonPaths.Resolve(parse.GetValue(stateDir), parse.GetValue(runDir));
    var endPoints = new List<IPEndPoint>();
    var peerEndPoints = new List<IPEndPoint>();
    foreach (var (option, addresses, into) in new[] { ("--listen", parse.GetValue(listen), endPoints), ("--listen-peer", parse.GetValue(listenPeer), peerEndPoints) })
    {
        foreach (var address in addresses ?? [])
        {
            if (!IPEndPoint.TryParse(address, out var endPoint) || endPoint.Port == 0 && !address.EndsWith(":0", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"virtd: {option} '{address}' is not HOST:PORT (for example 127.0.0.1:16510 or [::1]:16510).");
                return 2;
            }
            into.Add(endPoint);
        }
    }
    using var loggerFactory = DaemonLogging.Create(parse.GetValue(logFormat) == "json", parse.GetValue(verbose));

    // Stop on SIGTERM and SIGINT; cancelling the signal keeps the runtime from exiting before cleanup is done.
    using var stop = new CancellationTokenSource();
    using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
    using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

    await using var daemon = new DaemonHost(paths, endPoints, peerEndPoints, parse.GetValue(driver) == "test" ? DriverKind.Test : DriverKind.Qemu,
        new VcpuPlacementPolicy(new Virt.Host.LinuxHost().GetNodeInfo().Cpus, parse.GetValue(vcpuOvercommit)),
        Enum.Parse<Virt.Driver.Qemu.SaveImageFormat>(parse.GetValue(saveImageFormat)!, ignoreCase: true),
        new ClientKeepalive(parse.GetValue(keepaliveInterval), parse.GetValue(keepaliveCount)), loggerFactory);
    try
    {
        await daemon.RunAsync(stop.Token);
    }
    catch (DaemonStartupException ex)
    {
        Console.Error.WriteLine($"virtd: {ex.Message}");
        return 1;
    }
    return 0;
});
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
