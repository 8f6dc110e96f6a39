using Virt.Driver.Jobs;

namespace Virt.Driver;

/// <summary>virsh save and restore: a running guest's state written to a file behind its XML, and started again from it.</summary>
public interface IDomainSaving
{
    /// <summary>The registry the save and restore jobs run in (the API waits on it for <c>wait = true</c> callers).</summary>
    JobRegistry Jobs { get; }

    /// <summary>
    /// Starts a SAVE job: the guest's state goes to <paramref name="path"/> (absolute, must not exist) and the domain
    /// stops (shut off, reason saved). A failed or cancelled save leaves the guest as it was and no file at the path.
    /// What can fail at once (no such domain, not running, a bad path) fails the call, not the job.
    /// </summary>
    /// <para><paramref name="options"/>: an updated XML to store in the image instead of the live one (it must describe
    /// the same machine, as save-image-define checks), and O_DIRECT writes (<see cref="VirtErrorReason.OperationUnsupported"/>
    /// at once where the file system has none).</para>
    Task<JobInfo> SaveDomainAsync(DomainRef domain, string path, SavedGuestState state, SaveFileOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a RESTORE job from a save image. A file that is not a complete save image fails the call
    /// (<see cref="VirtErrorReason.ImageInvalid"/>); a stream QEMU cannot load fails the job, and no QEMU is left.
    /// </summary>
    /// <para><paramref name="options"/>: an updated XML to run the guest with instead of the image's (it must describe
    /// the same machine), and O_DIRECT reads.</para>
    Task<JobInfo> RestoreDomainAsync(string path, SavedGuestState state, SaveFileOptions options, CancellationToken cancellationToken);

    /// <summary>virsh save-image-dumpxml: the domain XML stored in a save image (checked as restore checks it).</summary>
    Task<string> GetSaveImageXmlAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// virsh save-image-define: replaces the XML stored in a save image, atomically (the image is rewritten beside
    /// itself and renamed over). The new XML must describe the same machine (<see cref="VirtErrorReason.InvalidArgument"/>
    /// naming the first difference otherwise); <paramref name="state"/> other than AsSaved changes the recorded state.
    /// </summary>
    Task DefineSaveImageXmlAsync(string path, string xml, SavedGuestState state, CancellationToken cancellationToken);
}

/// <summary>The state a restored guest is left in (proto's RestoreState, same numbers).</summary>
public enum SavedGuestState
{
    /// <summary>As recorded in the image.</summary>
    AsSaved = 0,
    Running = 1,
    Paused = 2,
}

/// <summary>virsh save/restore --xml FILE and --bypass-cache; save and managedsave --image-format.</summary>
public sealed record SaveFileOptions
{
    public static SaveFileOptions Default { get; } = new();

    /// <summary>A domain XML replacing the one stored in (save) or read from (restore) the image; null for none.</summary>
    public string? Xml { get; init; }

    /// <summary>Write or read the image with O_DIRECT, past the host's page cache.</summary>
    public bool BypassCache { get; init; }

    /// <summary>
    /// save/managedsave --image-format: how this image stores the guest state (the driver's names, e.g. raw, gzip or
    /// zstd); null for the driver's default. Restore reads the format from the image and ignores this.
    /// </summary>
    public string? ImageFormat { get; init; }
}
