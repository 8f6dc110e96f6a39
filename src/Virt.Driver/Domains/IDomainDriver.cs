namespace Virt.Driver;

/// <summary>
/// What a hypervisor driver does with domains. Every method names the states in which it is legal; an illegal call
/// throws <see cref="VirtException"/> with <see cref="VirtErrorReason.OperationInvalid"/>, an impossible one with
/// <see cref="VirtErrorReason.OperationUnsupported"/>, and an unknown domain with
/// <see cref="VirtErrorReason.DomainNotFound"/>. Reads return the last committed <see cref="DomainSummary"/> and never
/// wait for a modifying job; modifying calls on one domain are serialised, and a second one fails with
/// <see cref="VirtErrorReason.JobBusy"/> naming the first. Mutations return the domain as they left it.
/// </summary>
public interface IDomainDriver
{
    /// <summary>The hypervisor type virsh reports: <c>QEMU</c> or <c>Test</c>.</summary>
    string Type { get; }

    /// <summary>
    /// Whether shutdown and reboot may name the ACPI power button (virsh --mode acpi): the driver's own default, which
    /// it uses anyway. Every other mode is unsupported.
    /// </summary>
    bool HasAcpiShutdown => false;

    /// <summary>Domains matching the filter, in libvirt's order (active by id, then inactive by name).</summary>
    Task<IReadOnlyList<DomainSummary>> ListDomainsAsync(DomainListFilter filter, CancellationToken cancellationToken);

    /// <summary>Any state.</summary>
    Task<DomainSummary> LookupDomainAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>
    /// Defines a persistent domain from libvirt XML, or updates the definition of the domain with the same name and
    /// UUID (an active domain keeps running with its live definition until it stops). A name or UUID that matches a
    /// different domain is <see cref="VirtErrorReason.DomainExists"/>.
    /// </summary>
    Task<DomainSummary> DefineDomainAsync(string xml, CancellationToken cancellationToken);

    /// <summary>Removes the persistent definition; an active domain becomes transient and keeps running.</summary>
    Task<DomainSummary> UndefineDomainAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="UndefineDomainAsync(DomainRef, CancellationToken)"/> with virsh's NVRAM choice. A driver that keeps
    /// no NVRAM files (the default) has nothing to refuse, remove or keep.
    /// </summary>
    Task<DomainSummary> UndefineDomainAsync(DomainRef domain, UndefineNvram nvram, CancellationToken cancellationToken) =>
        UndefineDomainAsync(domain, cancellationToken);

    /// <summary>Starts a transient domain from XML (<c>virsh create</c>); legal when no domain of that name or UUID is active.</summary>
    Task<DomainSummary> CreateDomainAsync(string xml, bool startPaused, CancellationToken cancellationToken);

    /// <summary>Starts a defined domain. Legal when shut off.</summary>
    Task<DomainSummary> StartDomainAsync(DomainRef domain, bool startPaused, CancellationToken cancellationToken);

    /// <summary>
    /// Stops at once (<c>--graceful</c>: ask QEMU to flush first). Legal when active; a running job is cancelled.
    /// <paramref name="removeLogs"/> (<c>--remove-logs</c>) then deletes the domain's logs.
    /// </summary>
    Task<DomainSummary> DestroyDomainAsync(DomainRef domain, bool graceful, bool removeLogs, CancellationToken cancellationToken);

    /// <summary>Asks the guest to shut down (ACPI); with a timeout, optionally destroys it when the guest does not comply. Legal when running.</summary>
    Task<DomainSummary> ShutdownDomainAsync(DomainRef domain, TimeSpan? timeout, bool forceAfterTimeout, CancellationToken cancellationToken);

    /// <summary>Legal when running.</summary>
    Task<DomainSummary> RebootDomainAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>Hard reset. Legal when active.</summary>
    Task<DomainSummary> ResetDomainAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>Pauses vCPUs. Legal when running (a paused domain stays paused).</summary>
    Task<DomainSummary> SuspendDomainAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>Legal when paused.</summary>
    Task<DomainSummary> ResumeDomainAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the console <paramref name="device"/> (null: the first serial console) of an active domain. Another
    /// client's open console is <see cref="VirtErrorReason.ConsoleBusy"/> unless <paramref name="force"/> takes it over.
    /// </summary>
    Task<IDomainConsole> OpenConsoleAsync(DomainRef domain, string? device, bool force, CancellationToken cancellationToken);

    /// <summary>
    /// virDomainRename: gives an inactive persistent domain another name (its UUID, files and autostart stay), as
    /// libvirt's Undefined (renamed) event for the old name and Defined (renamed) for the new one. Refused for an
    /// active or transient domain, the same name, a name another domain has, and a name the definition rules refuse.
    /// </summary>
    Task<DomainSummary> RenameDomainAsync(DomainRef domain, string newName, CancellationToken cancellationToken);

    /// <summary>Whether the daemon starts the domain when it starts. Legal for persistent domains.</summary>
    Task<DomainSummary> SetAutostartAsync(DomainRef domain, bool autostart, CancellationToken cancellationToken);

    /// <summary>Sets or clears (<paramref name="text"/> null) the title or the description (<c>virsh desc</c>).</summary>
    Task<DomainSummary> SetDescriptionAsync(DomainRef domain, bool title, string? text, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>Sets or removes (<paramref name="xml"/> null) the application metadata element of a namespace (<c>virsh metadata</c>).</summary>
    Task<DomainSummary> SetMetadataAsync(DomainRef domain, string namespaceUri, string? key, string? xml, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>
    /// virsh domblkinfo: the sizes of the disk whose target or source path is <paramref name="device"/>, active or not.
    /// No such disk, or one without a source, is <see cref="VirtErrorReason.InvalidArgument"/>.
    /// </summary>
    Task<DomainBlockInfo> GetBlockInfoAsync(DomainRef domain, string device, CancellationToken cancellationToken);

    /// <summary>virsh domcontrol: whether the domain's control channel is free. An inactive domain is <see cref="VirtErrorReason.OperationInvalid"/>.</summary>
    Task<DomainControlInfo> GetControlInfoAsync(DomainRef domain, CancellationToken cancellationToken);
}
