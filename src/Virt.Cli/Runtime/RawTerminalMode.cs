using System.Runtime.InteropServices;

namespace Virt.Cli.Runtime;

/// <summary>
/// Puts a terminal into raw mode (cfmakeraw: no echo, no line editing, no signals from Ctrl-C, no output processing)
/// and restores what it was on dispose, as virsh console does, so every key reaches the guest and Ctrl-] reaches us.
/// </summary>
internal sealed unsafe partial class RawTerminalMode : IDisposable
{
    // struct termios is 60 bytes on Linux x86-64 (glibc); a little room to spare.
    private const int TermiosBytes = 64;
    private const int TcsaNow = 0;

    private readonly int _fd;
    private readonly byte[] _saved = new byte[TermiosBytes];
    private bool _active;

    private RawTerminalMode(int fd)
    {
        _fd = fd;
    }

    /// <summary>Raw mode on <paramref name="fd"/>, or null when it is not a terminal.</summary>
    public static RawTerminalMode? Enter(int fd)
    {
        var mode = new RawTerminalMode(fd);
        var raw = new byte[TermiosBytes];
        fixed (byte* saved = mode._saved)
        fixed (byte* changed = raw)
        {
            if (TcGetAttr(fd, saved) != 0)
            {
                return null;
            }
            Buffer.MemoryCopy(saved, changed, TermiosBytes, TermiosBytes);
            CfMakeRaw(changed);
            if (TcSetAttr(fd, TcsaNow, changed) != 0)
            {
                return null;
            }
        }
        mode._active = true;
        return mode;
    }

    public void Dispose()
    {
        if (!_active)
        {
            return;
        }
        _active = false;
        fixed (byte* saved = _saved)
        {
            _ = TcSetAttr(_fd, TcsaNow, saved);
        }
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int action, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte* termios);
}
