using System.Globalization;

namespace Virt.Driver.Test.Tests;

/// <summary>
/// Lifecycle sequences run on our driver and, in one virsh process, on libvirt's test driver: every step must leave
/// the same state, reason and id, and the same steps must fail.
/// </summary>
public sealed class LifecycleTests
{
    private const string Guest = """
        <domain type='test'>
          <name>parity</name>
          <uuid>0b7e8b0a-3c2f-4f5e-9d6a-2f7c1e9b4a11</uuid>
          <memory unit='KiB'>65536</memory>
          <vcpu>1</vcpu>
          <os><type arch='i686'>hvm</type></os>
        </domain>
        """;

    private static readonly DomainRef _parity = DomainRef.ByName("parity");

    [Test]
    public async Task Define_start_suspend_resume_shutdown_undefine_leave_the_states_virsh_shows()
    {
        var xmlFile = Path.Combine(Path.GetTempPath(), $"virt-parity-{Environment.ProcessId}.xml");
        await File.WriteAllTextAsync(xmlFile, Guest);
        try
        {
            var driver = TestDriver.CreateDefault(new EventLog());
            var steps = new (string Command, Func<Task> Ours)[]
            {
                ($"define {xmlFile}", () => driver.DefineDomainAsync(Guest, CancellationToken.None)),
                ("start parity", () => driver.StartDomainAsync(_parity, startPaused: false, CancellationToken.None)),
                ("suspend parity", () => driver.SuspendDomainAsync(_parity, CancellationToken.None)),
                ("resume parity", () => driver.ResumeDomainAsync(_parity, CancellationToken.None)),
                ("shutdown parity", () => driver.ShutdownDomainAsync(_parity, null, false, CancellationToken.None)),
                ("start parity", () => driver.StartDomainAsync(_parity, startPaused: false, CancellationToken.None)),
                ("destroy parity", () => driver.DestroyDomainAsync(_parity, graceful: false, removeLogs: false, CancellationToken.None)),
            };
            var commands = new List<string>();
            var expected = new List<string>();
            foreach (var (command, ours) in steps)
            {
                await ours();
                var domain = await driver.LookupDomainAsync(_parity, CancellationToken.None);
                commands.Add(command);
                commands.Add("domstate parity --reason");
                commands.Add("domid parity");
                expected.Add($"{domain.State.ToDisplayString()} ({ReasonNames.Of(domain.State, domain.Reason)})");
                expected.Add(domain.Id > 0 ? domain.Id.ToString(CultureInfo.InvariantCulture) : "-");
            }
            var (outputs, errors) = await Virsh.RunChainAsync(commands);
            var virshStates = outputs.Where((_, i) => i % 3 != 0).ToList();
            Assert.That(virshStates, Is.EqualTo(expected), errors);
        }
        finally
        {
            File.Delete(xmlFile);
        }
    }

    [Test]
    public async Task Illegal_steps_fail_on_both_sides()
    {
        var driver = TestDriver.CreateDefault(new EventLog());
        var test = DomainRef.ByName("test");
        var (_, errors) = await Virsh.RunChainAsync(["resume test", "start test", "destroy test", "suspend test"]);

        Assert.Multiple(() =>
        {
            Assert.That(Reason(() => driver.ResumeDomainAsync(test, CancellationToken.None)), Is.EqualTo(VirtErrorReason.OperationInvalid));
            Assert.That(Reason(() => driver.StartDomainAsync(test, false, CancellationToken.None)), Is.EqualTo(VirtErrorReason.OperationInvalid));
            Assert.That(errors, Does.Contain("not paused").And.Contain("already active"));
        });
        await driver.DestroyDomainAsync(test, graceful: false, removeLogs: false, CancellationToken.None);
        Assert.That(Reason(() => driver.SuspendDomainAsync(test, CancellationToken.None)), Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(errors, Does.Contain("not running"));
    }

    private static VirtErrorReason? Reason(Func<Task> call) => Assert.ThrowsAsync<VirtException>(() => call())?.Reason;
}
