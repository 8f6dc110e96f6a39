using System.Globalization;
using System.Text;

namespace Virt.Cli.Runtime;

/// <summary>
/// <c>-l FILE</c>: virsh's log file (vshOpenLogFile, vshOutputLogFile). Lines are appended as
/// <c>[YYYY.MM.DD HH:MM:SS vsh PID] LEVEL message</c> in local time: every error line, and the debug lines that
/// <c>-d</c> lets through (the caller filters those, as vshDebug does).
/// </summary>
internal sealed class VshLog : IDisposable
{
    /// <summary>vshError's level (VSH_ERR_ERROR).</summary>
    public const int Error = 4;

    // Indexed by virsh's VSH_ERR_* level; VSH_ERR_NOTICE is logged as INFO in virsh too.
    private static readonly string[] _levels = ["DEBUG", "INFO", "INFO", "WARNING", "ERROR"];
    private readonly FileStream _file;

    private VshLog(FileStream file) => _file = file;

    /// <summary>Opens <paramref name="path"/> for appending, creating it with mode 0644 as virsh does.</summary>
    /// <exception cref="VshError">virsh's words when the file cannot be opened.</exception>
    public static VshLog Open(string path)
    {
        try
        {
            return new VshLog(new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw VshError.Syntax("failed to open the log file. check the log file path");
        }
    }

    /// <summary>Appends one line at <paramref name="level"/> (0 debug … 4 error).</summary>
    public void Write(int level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[{DateTime.Now:yyyy.MM.dd HH:mm:ss} vsh {Environment.ProcessId}] {_levels[Math.Clamp(level, 0, _levels.Length - 1)]} {message.TrimEnd('\n')}\n");
        try
        {
            // One unbuffered write per line: the line is in the file even if vsh is killed next (virsh opens it O_SYNC).
            _file.Write(Encoding.UTF8.GetBytes(line));
        }
        catch (IOException)
        {
            // A full disk must not fail the command being logged.
        }
    }

    public void Dispose() => _file.Dispose();
}
