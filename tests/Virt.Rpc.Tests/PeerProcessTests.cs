using System.Diagnostics;
using System.Globalization;

namespace Virt.Rpc.Tests;

/// <summary>
/// <see cref="PeerProcess"/> against real processes: the pidfd_open fallback that kernels before 6.5 (no SO_PEERPIDFD)
/// take, and the refusal of a peer that no longer runs as it connected (ids changed, capabilities gained). Each peer is
/// a shell that opens a file as descriptor 7 and execs <c>sleep</c> (through setpriv to change its ids), as a client
/// would keep its file open during a call; the test (root, like virtd as installed) plays the server.
/// </summary>
public sealed class PeerProcessTests
{
    private const int PeerFd = 7;
    private const uint Nobody = 65534;

    private static readonly string[] _asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

    [Test]
    [CancelAfter(60_000)]
    public async Task Opened_from_the_pid_it_lends_the_peer_s_descriptor_and_refuses_one_it_does_not_have(CancellationToken ct)
    {
        using var file = new TempFile("the peer's bytes");
        using var peer = await SleepingPeer.StartAsync(file.Path, [], ct);

        using var process = PeerProcess.Open(new PeerCredentials(peer.Pid, SelfId("Uid:"), SelfId("Gid:")));

        Assert.That(process, Is.Not.Null, "pidfd_open is supported here");
        Assert.That(process!.FromSocket, Is.False);
        Assert.That(process.ToString(), Does.Contain("pidfd_open"));
        using (var duplicate = process.DuplicateDescriptor(PeerFd))
        {
            var bytes = new byte[64];
            var read = RandomAccess.Read(duplicate, bytes, 0);
            Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 0, read), Is.EqualTo("the peer's bytes"));
        }
        var missing = Assert.Throws<PeerDescriptorException>(() => process.DuplicateDescriptor(PeerFd + 1).Dispose());
        Assert.That(missing!.CallerError, Is.True);
        Assert.That(missing.Message, Does.Contain($"no open file descriptor {PeerFd + 1}"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_peer_whose_ids_changed_since_it_connected_is_refused(CancellationToken ct)
    {
        using var file = new TempFile("secret");
        // Connected as root, running as nobody now: what a set-id program (or a dropped privilege) leaves behind.
        using var peer = await SleepingPeer.StartAsync(file.Path, _asNobody, ct);
        using var process = PeerProcess.Open(new PeerCredentials(peer.Pid, 0, 0))!;

        var refused = Assert.Throws<PeerDescriptorException>(() => process.DuplicateDescriptor(PeerFd).Dispose());

        Assert.That(refused!.CallerError, Is.False, "declined: the client streams instead");
        Assert.That(refused.Message, Does.Contain("no longer runs with only the credentials it connected with"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_non_root_peer_is_lent_its_descriptor_unless_it_holds_capabilities(CancellationToken ct)
    {
        using var file = new TempFile("plain");
        using var plain = await SleepingPeer.StartAsync(file.Path, _asNobody, ct);
        // The same user with an effective capability, as after running a file-capability program.
        using var capable = await SleepingPeer.StartAsync(file.Path, [.. _asNobody, "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"], ct);
        using var plainProcess = PeerProcess.Open(new PeerCredentials(plain.Pid, Nobody, Nobody))!;
        using var capableProcess = PeerProcess.Open(new PeerCredentials(capable.Pid, Nobody, Nobody))!;

        using (plainProcess.DuplicateDescriptor(PeerFd))
        {
        }
        var refused = Assert.Throws<PeerDescriptorException>(() => capableProcess.DuplicateDescriptor(PeerFd).Dispose());

        Assert.That(refused!.CallerError, Is.False);
        Assert.That(refused.Message, Does.Contain("no longer runs with only the credentials it connected with"));
    }

    private static uint SelfId(string key) =>
        uint.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Split('\t', StringSplitOptions.RemoveEmptyEntries)[0],
            CultureInfo.InvariantCulture);

    private sealed class TempFile : IDisposable
    {
        public TempFile(string text)
        {
            Path = System.IO.Path.Combine("/tmp", $"virt-peer-{Guid.NewGuid():N}");
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }

    /// <summary>A shell that opens the file as descriptor 7 and execs sleep, through <c>wrapper</c> when given.</summary>
    private sealed class SleepingPeer : IDisposable
    {
        private readonly Process _process;

        private SleepingPeer(Process process) => _process = process;

        public int Pid => _process.Id;

        public static async Task<SleepingPeer> StartAsync(string path, string[] wrapper, CancellationToken ct)
        {
            var start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"exec {PeerFd}<\"$0\"; exec \"$@\" sleep 60", path } };
            foreach (var argument in wrapper)
            {
                start.ArgumentList.Add(argument);
            }
            var peer = new SleepingPeer(Process.Start(start)!);
            // Ready once sleep runs: the descriptor is open and the ids are final.
            while ((await File.ReadAllTextAsync($"/proc/{peer.Pid}/comm", ct)).Trim() != "sleep")
            {
                await Task.Delay(10, ct);
            }
            return peer;
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
