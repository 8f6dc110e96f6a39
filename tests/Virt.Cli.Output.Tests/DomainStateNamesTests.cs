namespace Virt.Cli.Output.Tests;

/// <summary>The state and reason words of virsh-domain-monitor.c, including its fallbacks.</summary>
public sealed class DomainStateNamesTests
{
    [TestCase(DomainState.NoState, "no state")]
    [TestCase(DomainState.Running, "running")]
    [TestCase(DomainState.Blocked, "idle")]
    [TestCase(DomainState.Paused, "paused")]
    [TestCase(DomainState.Shutdown, "in shutdown")]
    [TestCase(DomainState.Shutoff, "shut off")]
    [TestCase(DomainState.Crashed, "crashed")]
    [TestCase(DomainState.PmSuspended, "pmsuspended")]
    [TestCase((DomainState)8, "no state")]
    [TestCase((DomainState)(-1), "no state")]
    public void State(DomainState state, string expected)
    {
        Assert.That(DomainStateNames.State(state), Is.EqualTo(expected));
    }

    [TestCase(DomainState.Running, 1, "booted")]
    [TestCase(DomainState.Running, 11, "post-copy failed")]
    [TestCase(DomainState.Running, 12, "unknown")]
    [TestCase(DomainState.Paused, 5, "I/O error")]
    [TestCase(DomainState.Paused, 14, "api error")]
    [TestCase(DomainState.Shutdown, 1, "user")]
    [TestCase(DomainState.Shutoff, 8, "daemon")]
    [TestCase(DomainState.Crashed, 1, "panicked")]
    [TestCase(DomainState.PmSuspended, 1, "unknown")]
    [TestCase((DomainState)9, 0, "unknown")]
    public void Reason(DomainState state, int reason, string expected)
    {
        Assert.That(DomainStateNames.Reason(state, reason), Is.EqualTo(expected));
    }

    [Test]
    public void DomState_reason_is_state_then_reason_in_parentheses()
    {
        Assert.That(DomainFormatter.DomState(DomainState.Crashed, 1, showReason: true), Is.EqualTo("crashed (panicked)\n\n"));
    }
}
