namespace Virt.Daemon;

/// <summary>Where virtd keeps its state and its sockets.</summary>
internal sealed record DaemonPaths(string StateDir, string RunDir)
{
    public string AdminSocket => Path.Combine(RunDir, "virtd.sock");

    public string ReadOnlySocket => Path.Combine(RunDir, "virtd-ro.sock");

    public string PidFile => Path.Combine(RunDir, "virtd.pid");

    public string LockFile => Path.Combine(RunDir, "virtd.lock");

    /// <summary>
    /// As root the system paths (a system install); otherwise a per-user state directory with the run directory
    /// inside it, so an unprivileged virtd needs nothing outside one directory (the embedded default).
    /// </summary>
    public static DaemonPaths Resolve(string? stateDir, string? runDir)
    {
        // The effective uid, not $USER: sudo and su keep or change the environment in ways that do not say who we are.
        var isRoot = Virt.Rpc.PeerCredentials.Current.IsRoot;
        var state = stateDir ?? (isRoot ? "/var/lib/virt" : Path.Combine(XdgStateHome(), "virt"));
        var run = runDir ?? (isRoot && stateDir is null ? "/run/virt" : Path.Combine(state, "run"));
        return new DaemonPaths(Path.GetFullPath(state), Path.GetFullPath(run));
    }

    private static string XdgStateHome() =>
        Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
}
