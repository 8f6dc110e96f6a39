namespace Virt.Testing;

/// <summary>
/// The value for QEMU's <c>-accel</c> that really runs guests on this host, from <c>tools/guest/accel</c>.
/// A present /dev/kvm is not proof: on the nested hosts we run on it exists, yet a KVM guest hangs as soon
/// as its kernel leaves real mode, so the script probes once per host boot. <c>VIRT_ACCEL</c> overrides it.
/// </summary>
public static class QemuAccelerator
{
    private static readonly OncePerProcess<string> _probe = new(ProbeAsync);

    /// <summary>"kvm" or "tcg", probed once per test process (and cached across processes by the script).</summary>
    public static Task<string> GetAsync(CancellationToken cancellationToken = default) => _probe.GetAsync(cancellationToken);

    private static async Task<string> ProbeAsync()
    {
        // A probe that has to time out takes about 20 s.
        var (accelerator, errors) = await ToolScript.RunAsync("guest/accel", TimeSpan.FromMinutes(2));
        return accelerator is "kvm" or "tcg"
            ? accelerator
            : throw new InvalidOperationException($"tools/guest/accel printed '{accelerator}' instead of kvm or tcg:\n{errors}");
    }
}
