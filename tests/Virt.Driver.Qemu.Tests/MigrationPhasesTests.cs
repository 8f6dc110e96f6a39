using Virt.Testing;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// The migration phases between two drivers in this process (two state directories, one per "host"), with real QEMU,
/// real workers and the heartbeat guest streaming over 127.0.0.1; the same path between two virtd on two network
/// namespaces is Virt.Integration.Tests' MigrationTests.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MigrationPhasesTests
{
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    private readonly List<(QemuDomainDriver Driver, string State)> _hosts = [];

    [TearDown]
    public async Task DestroyAndDelete()
    {
        foreach (var (driver, state) in _hosts)
        {
            foreach (var domain in await driver.ListDomainsAsync(DomainListFilter.ActiveOnly, CancellationToken.None))
            {
                await driver.DestroyDomainAsync(DomainRef.ByUuid(domain.Uuid), graceful: false, removeLogs: false, CancellationToken.None);
            }
            await driver.DisposeAsync();
            Directory.Delete(state, recursive: true);
        }
        _hosts.Clear();
    }

    private async Task<QemuDomainDriver> OpenHostAsync(ListLogger log)
    {
        // Short: Unix socket paths must fit in 108 bytes.
        var state = Directory.CreateTempSubdirectory("vqm-").FullName;
        // The fallback poll far beyond a load's time, so that only QEMU's event can end Finish's wait in time: with
        // the default 250 ms a poll that fell at the end of the load was credited with it, and a full test run failed on it.
        var options = new QemuDriverOptions
        {
            StateDirectory = state, HostCpus = 4, VmmBinary = GuestFixture.VmmBinary, WorkerLinger = TimeSpan.FromSeconds(5), IncomingFallbackPoll = TimeSpan.FromMinutes(1),
        };
        var driver = await QemuDomainDriver.OpenAsync(options, new EventLog(), log, CancellationToken.None);
        _hosts.Add((driver, state));
        return driver;
    }

    private string ConsoleLog(int host, Guid uuid) => Path.Combine(_hosts[host].State, "qemu", "log", $"{uuid}.console.log");

    [Test]
    [CancelAfter(300_000)]
    public async Task Finish_asked_before_the_stream_resumes_the_guest_when_QEMU_announces_the_end_of_the_load(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var sourceLog = new ListLogger();
        var destinationLog = new ListLogger();
        var source = await OpenHostAsync(sourceLog);
        var destination = await OpenHostAsync(destinationLog);
        var uuid = Guid.NewGuid();
        await source.DefineDomainAsync(GuestFixture.Xml(guest, "hb", uuid), cancellationToken);
        await source.StartDomainAsync(DomainRef.ByName("hb"), startPaused: false, cancellationToken);
        await GuestFixture.WaitForHeartbeatAsync(ConsoleLog(0, uuid), 3, _boot, cancellationToken);

        var settings = new MigrationSettings { Live = true };
        var outgoing = await source.BeginOutgoingAsync(DomainRef.ByName("hb"), settings, cancellationToken);
        var incoming = await destination.PrepareIncomingAsync(outgoing.Id, outgoing.Xml, settings, outgoing.Facts, "127.0.0.1", cancellationToken);
        // Finish before a byte is streamed: it must wait for the whole load, and it is QEMU's MIGRATION event
        // (completed, once the destination has left inmigrate) that ends the wait, not a poll.
        var finishing = destination.FinishIncomingAsync(outgoing.Id, cancelled: false, cancellationToken);
        var stats = await source.PerformOutgoingAsync(outgoing.Id, incoming.IncomingUri, null, cancellationToken);
        var (outcome, arrived) = await finishing;
        var lastOnSource = GuestFixture.Heartbeats(ConsoleLog(0, uuid))[^1];
        var confirmed = await source.ConfirmOutgoingAsync(outgoing.Id, outcome, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(stats.Phase, Is.EqualTo("completed"));
            // QEMU's own figures, read once QEMU has filled them in (it says completed a moment before).
            Assert.That(stats.Elapsed, Is.GreaterThan(TimeSpan.Zero), "total-time");
            Assert.That(stats.Downtime, Is.Not.Null, "downtime");
            Assert.That(outcome, Is.EqualTo(MigrationOutcome.RunningOnDestination));
            Assert.That((arrived?.State, arrived?.Reason), Is.EqualTo(((DomainState?)DomainState.Running, (int?)2)), "running (migrated) on the destination");
            Assert.That((confirmed.State, confirmed.Reason), Is.EqualTo((DomainState.Shutoff, 4)), "shut off (migrated) on the source");
            Assert.That(destinationLog.Lines, Has.Some.Matches<string>(l => l.StartsWith("Debug 570 ", StringComparison.Ordinal) && l.EndsWith("woken by QEMU's MIGRATION event", StringComparison.Ordinal)),
                string.Join("\n", destinationLog.Lines));
        });
        // The counter goes on from where it stopped: the guest's memory came along.
        await GuestFixture.WaitForHeartbeatAsync(ConsoleLog(1, uuid), lastOnSource + 2, TimeSpan.FromSeconds(60), cancellationToken);
        Assert.That(GuestFixture.Heartbeats(ConsoleLog(1, uuid))[0], Is.InRange(lastOnSource, lastOnSource + 5));
    }
}
