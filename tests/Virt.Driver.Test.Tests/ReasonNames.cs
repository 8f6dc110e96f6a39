namespace Virt.Driver.Test.Tests;

/// <summary>virsh's words for the state reasons the test driver produces (virshDomainStateReasonToString), to read <c>domstate --reason</c>.</summary>
internal static class ReasonNames
{
    public static string Of(DomainState state, int reason) => (state, reason) switch
    {
        (DomainState.Running, 0) => "unknown",
        (DomainState.Running, 1) => "booted",
        (DomainState.Running, 5) => "unpaused",
        (DomainState.Paused, 0) => "unknown",
        (DomainState.Paused, 1) => "user",
        (DomainState.Shutoff, 0) => "unknown",
        (DomainState.Shutoff, 1) => "shutdown",
        (DomainState.Shutoff, 2) => "destroyed",
        _ => $"reason {reason} of {state}",
    };
}
