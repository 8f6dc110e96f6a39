namespace Virt.Driver.Qemu;

/// <summary>
/// Start, stop and the rest. Running a guest needs the VMM worker, which is not part of this driver yet, so every
/// domain is shut off: a call that libvirt refuses for a shut-off domain is refused the same way
/// (<see cref="VirtErrorReason.OperationInvalid"/>), and one that would start a guest says plainly that it cannot
/// (<see cref="VirtErrorReason.OperationUnsupported"/>). Unknown domains and bad XML get their usual errors first.
/// </summary>
public sealed partial class QemuDomainDriver
{
    public Task<DomainSummary> CreateDomainAsync(string xml, bool startPaused, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var definition = QemuDefinitions.Canonical(QemuDefinitions.Parse(xml, _options), _options).Definition;
        throw CannotRunGuests("create", definition.Name);
    }

    public async Task<DomainSummary> StartDomainAsync(DomainRef domain, bool startPaused, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        throw CannotRunGuests("start", current.Name);
    }

    public Task<DomainSummary> DestroyDomainAsync(DomainRef domain, bool graceful, CancellationToken cancellationToken) =>
        NotRunningAsync(domain, "destroy", cancellationToken);

    public Task<DomainSummary> ShutdownDomainAsync(DomainRef domain, TimeSpan? timeout, bool forceAfterTimeout, CancellationToken cancellationToken) =>
        NotRunningAsync(domain, "shut down", cancellationToken);

    public Task<DomainSummary> RebootDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        NotRunningAsync(domain, "reboot", cancellationToken);

    public Task<DomainSummary> ResetDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        NotRunningAsync(domain, "reset", cancellationToken);

    public Task<DomainSummary> SuspendDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        NotRunningAsync(domain, "suspend", cancellationToken);

    public Task<DomainSummary> ResumeDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        NotRunningAsync(domain, "resume", cancellationToken);

    private async Task<DomainSummary> NotRunningAsync(DomainRef domain, string operation, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        throw VirtException.OperationInvalid(current.Name, operation, current.State, "domain is not running");
    }

    private static VirtException CannotRunGuests(string operation, string name) =>
        new(VirtErrorReason.OperationUnsupported,
            $"Cannot {operation} domain '{name}': the QEMU driver stores definitions but cannot run guests yet (the VMM worker that runs QEMU is not part of this version).",
            new Dictionary<string, string> { ["driver"] = "QEMU", ["operation"] = operation, ["domain"] = name });
}
