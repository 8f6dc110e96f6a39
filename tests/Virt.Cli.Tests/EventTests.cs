using System.Diagnostics;
using Virt.Testing;
using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// <c>event --all --loop</c> through a real virtd (<c>--driver test</c>) on its Unix socket: one vsh watches, other
/// vsh sessions define and undefine, and the watcher prints virsh's lines for them. Ctrl-C (SIGINT) ends the loop
/// the way virsh's does. <c>pool-event</c> the same way, on the fixture pool's refreshes.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class EventTests
{
    private VirtdProcess _virtd = null!;

    [OneTimeSetUp]
    public async Task StartVirtdAsync() => _virtd = await VirtdProcess.StartAsync(null, "--driver", "test");

    [OneTimeTearDown]
    public async Task StopVirtdAsync() => await _virtd.DisposeAsync();

    [Test]
    public async Task The_loop_prints_another_sessions_define_and_undefine_until_interrupted()
    {
        var file = WriteFile("event-e1.xml", DomainXml("e1"));
        using var watcher = await WatchAsync("event --all --loop --timeout 120");
        await RunOkAsync($"define {file}");
        await RunOkAsync("undefine e1");
        await watcher.WaitForLinesAsync(2);

        Kill(watcher.Process, "INT");
        var result = await watcher.FinishAsync();
        Assert.That(result.Stdout, Is.EqualTo(
            "event 'lifecycle' for domain 'e1': Defined Added\n" +
            "event 'lifecycle' for domain 'e1': Undefined Removed\n" +
            "event loop interrupted\n" +
            "events received: 2\n\n"), result.ToString());
        Assert.That(result.ExitCode, Is.Zero, "events arrived, so the command succeeded");
    }

    [Test]
    public async Task Without_loop_the_first_matching_event_ends_the_wait()
    {
        var file = WriteFile("event-e2.xml", DomainXml("e2"));
        using var watcher = await WatchAsync("event --event lifecycle --timeout 120");
        await RunOkAsync($"define {file}");
        var result = await watcher.FinishAsync();
        await RunOkAsync("undefine e2");
        Assert.That(result.Stdout, Is.EqualTo("event 'lifecycle' for domain 'e2': Defined Added\nevents received: 1\n\n"), result.ToString());
        Assert.That(result.ExitCode, Is.Zero);
    }

    [Test]
    public async Task A_domain_filter_and_json_print_one_document_per_event()
    {
        var mine = WriteFile("event-e3.xml", DomainXml("e3"));
        var other = WriteFile("event-e4.xml", DomainXml("e4"));
        await RunOkAsync($"define {mine}");
        using var watcher = await WatchAsync("event --domain e3 --all --loop --timeout 120", "--json");
        await RunOkAsync($"define {other}; start e4; destroy e4; undefine e4");
        await RunOkAsync("start e3; destroy e3");
        await watcher.WaitForLinesAsync(2);
        Kill(watcher.Process, "INT");
        var result = await watcher.FinishAsync();
        await RunOkAsync("undefine e3");

        var documents = JsonTests.Documents(result.Stdout);
        Assert.That(documents, Has.Count.EqualTo(3), result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(documents[0].GetProperty("event").GetString(), Is.EqualTo("lifecycle"));
            Assert.That(documents[0].GetProperty("domain").GetProperty("name").GetString(), Is.EqualTo("e3"));
            Assert.That(documents[0].GetProperty("type").GetString(), Is.EqualTo("Started"));
            Assert.That(documents[0].GetProperty("detail").GetString(), Is.EqualTo("Booted"));
            Assert.That(documents[1].GetProperty("type").GetString(), Is.EqualTo("Stopped"));
            Assert.That(documents[1].GetProperty("detail").GetString(), Is.EqualTo("Destroyed"));
            Assert.That(documents[2].GetProperty("ended").GetString(), Is.EqualTo("interrupted"));
            Assert.That(documents[2].GetProperty("events_received").GetInt32(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Metadata_title_description_and_autostart_changes_reach_the_loop()
    {
        var file = WriteFile("event-e5.xml", DomainXml("e5"));
        await RunOkAsync($"define {file}");
        using var watcher = await WatchAsync("event --domain e5 --all --loop --timeout 120");
        await RunOkAsync("metadata e5 http://example.org/app --key app --set <a/> --config; desc e5 --title hello; desc e5 words; autostart e5; autostart e5 --disable");
        await watcher.WaitForLinesAsync(5);
        Kill(watcher.Process, "INT");
        var result = await watcher.FinishAsync();
        await RunOkAsync("undefine e5");

        // The metadata-change lines are virsh's (virshEventMetadataChangePrint); libvirt has no autostart event, so
        // Virt's shows under a name of its own that only --all selects.
        Assert.That(result.Stdout, Is.EqualTo(
            "event 'metadata-change' for domain 'e5': type element, uri http://example.org/app\n" +
            "event 'metadata-change' for domain 'e5': type title, uri <null>\n" +
            "event 'metadata-change' for domain 'e5': type description, uri <null>\n" +
            "event 'definition-change' for domain 'e5': autostart\n" +
            "event 'definition-change' for domain 'e5': autostart\n" +
            "event loop interrupted\n" +
            "events received: 5\n\n"), result.ToString());
    }

    [Test]
    public async Task Pool_event_prints_the_refreshes_of_the_pool_it_watches()
    {
        using var watcher = await WatchAsync("pool-event --event refresh --pool default-pool --loop --timeout 120");
        await RunOkAsync("pool-refresh default-pool; pool-refresh default-pool");
        await watcher.WaitForLinesAsync(2);
        Kill(watcher.Process, "INT");
        var result = await watcher.FinishAsync();
        Assert.That(result.Stdout, Is.EqualTo(
            "event 'refresh' for storage pool default-pool\n" +
            "event 'refresh' for storage pool default-pool\n" +
            "event loop interrupted\n" +
            "events received: 2\n\n"), result.ToString());
        Assert.That(result.ExitCode, Is.Zero);
    }

    [Test]
    public async Task Pool_event_refuses_a_pool_that_does_not_exist_instead_of_watching_every_pool()
    {
        var result = await VshAsync("-c", _virtd.AdminUri, "pool-event --event lifecycle --pool nosuch --timeout 120");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Stderr, Is.EqualTo("error: failed to get pool 'nosuch'\nerror: Storage pool not found: no storage pool with matching name 'nosuch'\n"));
        });
    }

    [Test]
    public async Task The_read_only_socket_refuses_define_with_virshs_words()
    {
        var file = WriteFile("event-ro.xml", DomainXml("ro"));
        var result = await VshAsync("-c", _virtd.ReadOnlyUri, $"define {file}");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.Stdout, Is.EqualTo("\n"));
            Assert.That(result.Stderr, Does.StartWith($"error: Failed to define domain from {file}\nerror: operation forbidden: read only access prevents"));
        });
        var list = await VshAsync("-c", _virtd.ReadOnlyUri, "list --all --name");
        Assert.That(list.Stdout, Does.Not.Contain("ro\n"), "nothing was defined");
    }

    // -k/-K: with the daemon stopped (SIGSTOP: its socket stays open, nothing answers), the client's keepalive pings go
    // unanswered and the connection is dropped, ending the silent event loop with an error long before its timeout;
    // without keepalive it would wait the whole 120 s (the watcher's 60 s bound fails the test first).
    [Test]
    public async Task Keepalive_drops_a_connection_whose_daemon_stopped_answering()
    {
        using var watcher = await WatchAsync("event --all --loop --timeout 120", "-k", "1", "-K", "2");
        Signal(_virtd.Pid, "STOP");
        ProcessResult result;
        try
        {
            result = await watcher.FinishAsync();
        }
        finally
        {
            Signal(_virtd.Pid, "CONT");
        }

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain("error: "), result.ToString());
        Assert.That(result.Stdout, Does.Not.Contain("event loop timed out"), result.ToString());
        await RunOkAsync("list --all");
    }

    // Through the daemon, keepalive is accepted and calls go on as usual.
    [Test]
    public async Task Keepalive_options_connect_to_a_daemon()
    {
        var result = await VshAsync("-k", "1", "-K", "3", "-c", _virtd.AdminUri, "domid test; list --name");
        Assert.That(result, Is.EqualTo(new ProcessResult("1\n\ntest\n\n", "", 0)));
    }

    private async Task RunOkAsync(string command)
    {
        var result = await VshAsync("-c", _virtd.AdminUri, command);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
    }

    // Starts a watcher and waits until its subscription is live (its -d 0 debug line says so on stderr), so the
    // events the test causes next cannot happen before it listens.
    private async Task<Watcher> WatchAsync(string command, params string[] options)
    {
        var watcher = new Watcher(Start(Vsh, [.. options, "-d", "0", "-c", _virtd.AdminUri, command]));
        await watcher.WaitForStderrAsync("event: subscribed");
        return watcher;
    }

    private static void Kill(Process process, string signal) => Signal(process.Id, signal);

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private sealed class Watcher : IDisposable
    {
        private readonly List<string> _stdout = [];
        private readonly List<string> _stderr = [];
        private readonly Task _pumps;

        public Watcher(Process process)
        {
            Process = process;
            process.StandardInput.Close();
            _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
        }

        public Process Process { get; }

        public Task WaitForLinesAsync(int count) => WaitAsync(() => Lines(_stdout).Count(l => l.Length > 0) >= count, "stdout lines");

        public Task WaitForStderrAsync(string text) => WaitAsync(() => Lines(_stderr).Any(l => l.Contains(text, StringComparison.Ordinal)), text);

        public async Task<ProcessResult> FinishAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await Process.WaitForExitAsync(cts.Token);
            await _pumps;
            return new ProcessResult(string.Concat(Lines(_stdout).Select(l => l + "\n")), string.Concat(Lines(_stderr).Select(l => l + "\n")), Process.ExitCode);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }

            Process.Dispose();
        }

        private static List<string> Lines(List<string> lines)
        {
            lock (lines)
            {
                return [.. lines];
            }
        }

        private async Task WaitAsync(Func<bool> condition, string what)
        {
            // A generous bound against hangs; no timing is asserted.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!condition())
            {
                if (Process.HasExited || DateTime.UtcNow > deadline)
                {
                    await Task.Delay(100);
                    Assert.Fail($"the watcher did not produce {what}:\n{string.Join('\n', Lines(_stdout))}\n{string.Join('\n', Lines(_stderr))}");
                }

                await Task.Delay(20);
            }
        }

        private static async Task PumpAsync(StreamReader reader, List<string> lines)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            }
        }
    }
}
