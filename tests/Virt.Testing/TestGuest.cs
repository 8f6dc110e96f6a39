namespace Virt.Testing;

/// <summary>
/// The real test guest built by <c>tools/guest/build</c>: a Debian kernel and a busybox initramfs that
/// prints <c>HEARTBEAT n</c> on ttyS0. See tools/guest/README.md for its console contract and
/// kernel command-line flags.
/// </summary>
public sealed class TestGuest
{
    /// <summary>The kernel command line every boot needs; append <c>virt.*</c> flags to it.</summary>
    public const string BaseCmdline = "console=ttyS0 panic=-1";

    /// <summary>
    /// The <c>&lt;os&gt;</c> element that boots this guest directly (q35, its kernel and initrd, <see cref="BaseCmdline"/>
    /// plus <paramref name="cmdlineFlags"/>), for the domain XML of tests that run it through a driver.
    /// </summary>
    public string DirectBootOsXml(string cmdlineFlags = "", string? kernel = null) => $"""
        <os>
          <type arch='x86_64' machine='q35'>hvm</type>
          <kernel>{kernel ?? KernelPath}</kernel>
          <initrd>{InitrdPath}</initrd>
          <cmdline>{$"{BaseCmdline} {cmdlineFlags}".TrimEnd()}</cmdline>
        </os>
        """;

    // A cold build downloads a 70 MB kernel package; allow for a slow mirror.
    private static readonly OncePerProcess<TestGuest> _build = new(BuildAsync);

    private TestGuest(string directory)
    {
        Directory = directory;
    }

    /// <summary>The cache directory holding the guest (key includes package versions and script hash).</summary>
    public string Directory { get; }

    /// <summary>
    /// The kernel's ELF image, which QEMU boots through its PVH entry: the guest reaches its first heartbeat in about
    /// half the time the bzImage (<c>vmlinuz</c>) takes under TCG, most of which went to unpacking it
    /// (tools/guest/README.md). The benchmarks keep the bzImage, so their figures stay comparable.
    /// </summary>
    public string KernelPath => Path.Combine(Directory, "vmlinux");

    public string InitrdPath => Path.Combine(Directory, "initrd.img");

    /// <summary>Builds the guest on first use in this process (or finds it in the cache) and returns it.</summary>
    public static Task<TestGuest> GetAsync(CancellationToken cancellationToken = default) => _build.GetAsync(cancellationToken);

    private static async Task<TestGuest> BuildAsync()
    {
        var (output, errors) = await ToolScript.RunAsync("guest/build", TimeSpan.FromMinutes(10));
        var guest = new TestGuest(output);
        if (output.Contains('\n', StringComparison.Ordinal) || !File.Exists(guest.KernelPath) || !File.Exists(guest.InitrdPath))
        {
            throw new InvalidOperationException($"tools/guest/build printed '{output}', which is not a directory holding vmlinux and initrd.img:\n{errors}");
        }
        return guest;
    }
}
