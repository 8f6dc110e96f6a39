using System.Diagnostics;
using System.Globalization;

namespace Virt.Testing;

/// <summary>
/// Two network namespaces joined by a veth pair, for tests of two hosts on one machine (migration): host A is
/// <see cref="AddressA"/>, host B <see cref="AddressB"/>, on a /30 of their own. Names are unique per process and
/// call; disposing deletes both namespaces (which removes the veth pair with them). Needs root (`ip netns add`).
/// </summary>
public sealed class NetworkNamespacePair : IAsyncDisposable
{
    private static int _counter;

    private NetworkNamespacePair(string a, string b, string addressA, string addressB)
    {
        NamespaceA = a;
        NamespaceB = b;
        AddressA = addressA;
        AddressB = addressB;
    }

    public string NamespaceA { get; }

    public string NamespaceB { get; }

    public string AddressA { get; }

    public string AddressB { get; }

    /// <summary>Creates the namespaces, the veth pair between them, and brings both ends (and loopback) up.</summary>
    public static async Task<NetworkNamespacePair> CreateAsync()
    {
        var n = Interlocked.Increment(ref _counter);
        var tag = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 100000}x{n}");
        // A /30 per pair in 10.213.0.0/16, from the pid and the counter, so concurrent test processes do not collide.
        var subnet = (Environment.ProcessId * 7 + n) % 16000;
        var baseOctet = subnet % 64 * 4;
        var addressA = string.Create(CultureInfo.InvariantCulture, $"10.213.{subnet / 64 % 256}.{baseOctet + 1}");
        var addressB = string.Create(CultureInfo.InvariantCulture, $"10.213.{subnet / 64 % 256}.{baseOctet + 2}");
        var pair = new NetworkNamespacePair($"virta{tag}", $"virtb{tag}", addressA, addressB);
        try
        {
            await IpAsync("netns", "add", pair.NamespaceA);
            await IpAsync("netns", "add", pair.NamespaceB);
            await IpAsync("link", "add", $"vva{tag}", "netns", pair.NamespaceA, "type", "veth", "peer", "name", $"vvb{tag}", "netns", pair.NamespaceB);
            foreach (var (ns, link, address) in new[] { (pair.NamespaceA, $"vva{tag}", addressA), (pair.NamespaceB, $"vvb{tag}", addressB) })
            {
                await IpAsync("-n", ns, "addr", "add", address + "/30", "dev", link);
                await IpAsync("-n", ns, "link", "set", link, "up");
                await IpAsync("-n", ns, "link", "set", "lo", "up");
            }
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in new[] { NamespaceA, NamespaceB })
        {
            if (File.Exists("/run/netns/" + ns))
            {
                await IpAsync("netns", "delete", ns);
            }
        }
    }

    private static async Task IpAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ip did not start");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors.Trim()}");
        }
    }
}
