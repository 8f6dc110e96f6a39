namespace Virt.Qemu;

/// <summary>Finds a program by name the way execvp does: the first executable file of that name in PATH.</summary>
public static class ProgramPath
{
    /// <summary>The program's full path, or null when no directory of PATH (default <c>/usr/bin:/bin</c>) has it.</summary>
    public static string? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        return null;
    }
}
