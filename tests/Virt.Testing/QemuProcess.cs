using System.Diagnostics;

namespace Virt.Testing;

/// <summary>
/// A QEMU started directly from an argv array (never through a shell) whose stdout and stderr are captured
/// line by line. Pass <c>-serial stdio -display none</c> (or <c>-nographic</c>) to read the guest's serial
/// console from <see cref="Console"/>. Disposing kills QEMU if it still runs and reaps it.
/// </summary>
public sealed class QemuProcess : IAsyncDisposable
{
    public const string DefaultBinary = "qemu-system-x86_64";

    private readonly Process _process;
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private int _disposed;

    private QemuProcess(Process process)
    {
        _process = process;
        Pid = process.Id;
        Console = new ConsoleLines($"stdout of qemu {Pid}");
        Stderr = new ConsoleLines($"stderr of qemu {Pid}");
        _stdoutPump = PumpAsync(process.StandardOutput, Console);
        _stderrPump = PumpAsync(process.StandardError, Stderr);
    }

    public int Pid { get; }

    /// <summary>QEMU's stdout: the serial console when started with <c>-serial stdio</c>.</summary>
    public ConsoleLines Console { get; }

    public ConsoleLines Stderr { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only valid once <see cref="HasExited"/> is true.</summary>
    public int ExitCode => _process.ExitCode;

    public static QemuProcess Start(IEnumerable<string> arguments, string binary = DefaultBinary)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var psi = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            // A pipe of our own, so that QEMU's stdio chardev never reads the test runner's stdin.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {binary}");
        return new QemuProcess(process);
    }

    /// <summary>Writes to QEMU's stdin: the guest's serial input when started with <c>-serial stdio</c>.</summary>
    public async Task WriteConsoleAsync(string text, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteAsync(text.AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
    }

    /// <summary>Waits for QEMU to exit by itself and returns its exit code.</summary>
    /// <exception cref="TimeoutException">QEMU still runs after <paramref name="timeout"/>; it is left running.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"qemu {Pid} still runs after {timeout}.\n{Console.Tail()}\n{Stderr.Tail()}");
        }
        // Exit is signalled before the pipes drain; wait for them so the logs are complete.
        await Task.WhenAll(_stdoutPump, _stderrPump).WaitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        // Reap it now: init here reaps orphans only every second or two.
        await _process.WaitForExitAsync(CancellationToken.None);
        await Task.WhenAll(_stdoutPump, _stderrPump);
        _process.Dispose();
    }

    private static async Task PumpAsync(StreamReader reader, ConsoleLines lines)
    {
        try
        {
            // ReadLineAsync splits on \r\n as well as \n: the serial line discipline sends \r\n.
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
        }
        catch (IOException)
        {
            // The pipe broke because QEMU died; what was read is kept.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while reading.
        }
        finally
        {
            lines.Complete();
        }
    }
}
