namespace Virt.Qemu.CommandLine;

/// <summary>
/// QEMU's whole environment, as libvirt gives it (virCommandAddEnvPassCommon and virCommandAddEnvXDG): the C locale,
/// a few variables passed on from the daemon when it has them, and HOME and the XDG directories under the guest's own
/// directory. Nothing else of the daemon's environment reaches QEMU, so how virtd was started (a shell's LANG, a
/// service manager's variables) does not change what QEMU does or writes to its log.
/// </summary>
public static class QemuEnvironment
{
    /// <summary>Used when the daemon has no PATH: glibc's default search path, as execvp would use.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    // Passed on as libvirt passes them; the loader's variables keep a wrapped or instrumented QEMU working.
    private static readonly string[] _beforeHome = ["LD_PRELOAD", "LD_LIBRARY_PATH"];
    private static readonly string[] _afterHome = ["USER", "LOGNAME", "TMPDIR"];

    /// <summary>The variables in libvirt's order (which <c>domxml-to-native</c> shows).</summary>
    /// <param name="home">The guest's own directory: HOME, and the base of XDG_DATA_HOME, XDG_CACHE_HOME and XDG_CONFIG_HOME.</param>
    /// <param name="inherited">The daemon's value of a variable, or null when it has none.</param>
    public static IReadOnlyList<KeyValuePair<string, string>> Build(string home, Func<string, string?> inherited)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        ArgumentNullException.ThrowIfNull(inherited);
        var variables = new List<KeyValuePair<string, string>> { new("LC_ALL", "C") };
        PassOn(_beforeHome);
        variables.Add(new("PATH", inherited("PATH") is { Length: > 0 } path ? path : DefaultPath));
        variables.Add(new("HOME", home));
        PassOn(_afterHome);
        variables.Add(new("XDG_DATA_HOME", home + "/.local/share"));
        variables.Add(new("XDG_CACHE_HOME", home + "/.cache"));
        variables.Add(new("XDG_CONFIG_HOME", home + "/.config"));
        return variables;

        void PassOn(string[] names)
        {
            foreach (var name in names)
            {
                if (inherited(name) is { } value)
                {
                    variables.Add(new(name, value));
                }
            }
        }
    }
}
