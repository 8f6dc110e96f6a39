using Virt.Driver.Jobs;

namespace Virt.Driver;

/// <summary>
/// virsh managedsave and its family: a persistent domain's state saved where the daemon keeps it, restored by the
/// next start (unless force-boot), listed as "Managed save: yes" and refused by undefine until removed.
/// </summary>
public interface IDomainManagedSaving
{
    /// <summary>
    /// Starts a MANAGED_SAVE job: as <see cref="IDomainSaving.SaveDomainAsync"/>, to the domain's managed save image.
    /// A transient domain, or one not running, fails the call. <see cref="SaveFileOptions.BypassCache"/> writes the image
    /// with O_DIRECT (managedsave --bypass-cache; a file system without it fails the call) and
    /// <see cref="SaveFileOptions.ImageFormat"/> chooses its format (managedsave --image-format); its XML must be null.
    /// </summary>
    Task<JobInfo> ManagedSaveDomainAsync(DomainRef domain, SavedGuestState state, SaveFileOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// virsh start: restores the managed save image when there is one (and removes it once the guest runs), or with
    /// <paramref name="forceBoot"/> removes it and boots. Returns once the domain runs. <paramref name="bypassCache"/>
    /// reads the image with O_DIRECT (start --bypass-cache; nothing to read when the domain boots).
    /// </summary>
    Task<DomainSummary> StartDomainAsync(DomainRef domain, bool startPaused, bool forceBoot, bool bypassCache, CancellationToken cancellationToken);

    /// <summary>virsh managedsave-remove; <see cref="VirtErrorReason.NoSaveImage"/> when there is none.</summary>
    Task<DomainSummary> RemoveManagedSaveAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>virsh managedsave-dumpxml: the XML stored in the image.</summary>
    Task<string> GetManagedSaveXmlAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>virsh managedsave-define: replaces the XML in the image with an ABI-compatible one.</summary>
    Task DefineManagedSaveXmlAsync(DomainRef domain, string xml, SavedGuestState state, CancellationToken cancellationToken);
}
