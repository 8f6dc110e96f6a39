using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Rpc;

/// <summary>
/// The process on the other end of a local (Unix socket) connection, held by a pidfd from when the connection was
/// accepted, so a later pid reuse cannot make it name another process. It lends a server a duplicate of a file
/// descriptor the peer names (<see cref="DuplicateDescriptor"/>, pidfd_getfd): the local fast path of vol-upload and
/// vol-download. Disposed with the connection.
/// </summary>
/// <remarks>
/// What makes this safe (README "Local fast path" in Virt.Driver.Storage): the descriptor comes from the process that
/// connected, which is the one that names it, so the server only ever gets a file the caller already has open. The
/// kernel checks that the server may ptrace the peer (same user, or root). A root server passes that check for any
/// process, so the peer must also still be who it was at connect time: its real, effective, saved and filesystem
/// ids all those of SO_PEERCRED, and, for a non-root peer, no effective capabilities. A peer that has since run a
/// set-id or file-capability program (which would have opened files its user cannot) is refused, before and after
/// the duplication.
/// </remarks>
public sealed class PeerProcess : IDisposable
{
    private readonly SafeFileHandle _pidfd;

    private PeerProcess(SafeFileHandle pidfd, PeerCredentials credentials, bool fromSocket)
    {
        _pidfd = pidfd;
        Credentials = credentials;
        FromSocket = fromSocket;
    }

    /// <summary>The peer's credentials at connect time (SO_PEERCRED).</summary>
    public PeerCredentials Credentials { get; }

    /// <summary>
    /// Whether the kernel gave the pidfd for the socket itself (SO_PEERPIDFD, Linux 6.5+); false when it was opened
    /// from the peer's pid (pidfd_open), which leaves a window at accept time in which the pid could have been reused.
    /// </summary>
    public bool FromSocket { get; }

    /// <summary>Takes ownership of a pidfd the kernel gave for the connection's peer (SO_PEERPIDFD).</summary>
    /// <param name="pidfd">The pidfd.</param>
    /// <param name="credentials">The peer's SO_PEERCRED.</param>
    /// <returns>The peer.</returns>
    public static PeerProcess FromPidFd(SafeFileHandle pidfd, PeerCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(pidfd);
        ArgumentNullException.ThrowIfNull(credentials);
        return new PeerProcess(pidfd, credentials, fromSocket: true);
    }

    /// <summary>Opens a pidfd for the peer's pid (pidfd_open), for kernels without SO_PEERPIDFD.</summary>
    /// <param name="credentials">The peer's SO_PEERCRED.</param>
    /// <returns>The peer, or null when the process is gone or pidfds are not supported.</returns>
    public static PeerProcess? Open(PeerCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var fd = PeerProcessNativeMethods.PidFdOpen(credentials.Pid, 0);
        return fd < 0 ? null : new PeerProcess(new SafeFileHandle(fd, ownsHandle: true), credentials, fromSocket: false);
    }

    /// <summary>
    /// A duplicate of the peer's descriptor <paramref name="fd"/> (close-on-exec, sharing the peer's open file: its
    /// access mode, flags and offset).
    /// </summary>
    /// <param name="fd">The descriptor's number in the peer.</param>
    /// <returns>The duplicate, owned by the caller.</returns>
    /// <exception cref="PeerDescriptorException">The peer has no such descriptor, or the server may not take it.</exception>
    public SafeFileHandle DuplicateDescriptor(int fd)
    {
        if (fd < 0)
        {
            throw new PeerDescriptorException($"{fd} is not a file descriptor number.", callerError: true);
        }
        CheckStillTheSameUser();
        var duplicate = PeerProcessNativeMethods.PidFdGetFd(_pidfd, fd, 0);
        if (duplicate < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                PeerProcessNativeMethods.Ebadf => new PeerDescriptorException($"The calling process has no open file descriptor {fd}.", callerError: true),
                PeerProcessNativeMethods.Eperm => new PeerDescriptorException("This server may not take file descriptors from the calling process (pidfd_getfd: EPERM).", callerError: false),
                PeerProcessNativeMethods.Esrch => new PeerDescriptorException("The calling process has exited.", callerError: false),
                _ => new PeerDescriptorException($"pidfd_getfd failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", callerError: false),
            };
        }
        var handle = new SafeFileHandle(duplicate, ownsHandle: true);
        try
        {
            // A set-id exec between the first check and the duplication would show now: the ids never change back.
            CheckStillTheSameUser();
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _pidfd.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Credentials} ({(FromSocket ? "SO_PEERPIDFD" : "pidfd_open")})";

    /// <summary>
    /// Refuses a peer whose ids differ from its SO_PEERCRED or that holds capabilities its user does not (a set-id or
    /// file-capability program run since it connected). /proc is read by pid; the process being alive afterwards
    /// (checked through the pidfd) proves the pid still named it.
    /// </summary>
    private void CheckStillTheSameUser()
    {
        string status;
        try
        {
            status = File.ReadAllText($"/proc/{Credentials.Pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PeerDescriptorException("The calling process has exited.", callerError: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // E.g. /proc mounted with hidepid: without the peer's ids its descriptors are not taken.
            throw new PeerDescriptorException($"The calling process's credentials cannot be read ({e.Message}).", callerError: false);
        }
        if (PeerProcessNativeMethods.PidFdSendSignal(_pidfd, 0, 0, 0) < 0 && Marshal.GetLastPInvokeError() == PeerProcessNativeMethods.Esrch)
        {
            throw new PeerDescriptorException("The calling process has exited.", callerError: false);
        }
        var uid = Credentials.Uid.ToString(CultureInfo.InvariantCulture);
        var gid = Credentials.Gid.ToString(CultureInfo.InvariantCulture);
        var same = AllFieldsAre(status, "Uid:", uid) && AllFieldsAre(status, "Gid:", gid)
            && (Credentials.IsRoot || AllFieldsAre(status, "CapEff:", "0000000000000000"));
        if (!same)
        {
            throw new PeerDescriptorException(
                $"The calling process no longer runs with only the credentials it connected with ({Credentials}); its descriptors are not taken.",
                callerError: false);
        }
    }

    private static bool AllFieldsAre(string status, string key, string value)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(key, StringComparison.Ordinal))
            {
                continue;
            }
            var any = false;
            foreach (var range in line[key.Length..].SplitAny(" \t"))
            {
                var field = line[key.Length..][range];
                if (field.IsEmpty)
                {
                    continue;
                }
                if (!field.SequenceEqual(value))
                {
                    return false;
                }
                any = true;
            }
            return any;
        }
        return false;
    }
}
