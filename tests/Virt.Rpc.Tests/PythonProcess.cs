using System.Diagnostics;
using System.Globalization;
using System.Text;
using Virt.Testing;

namespace Virt.Rpc.Tests;

/// <summary>
/// A script from the test output's Python/ directory run by Debian's python3, started from an argument list (never a
/// shell), its stdout and stderr captured line by line. Disposing ends it — end of stdin first, which the scripts treat
/// as "stop", then SIGKILL — and always reaps it, so no test leaves a process behind.
/// </summary>
internal sealed class PythonProcess : IAsyncDisposable
{
    /// <summary>Debian's interpreter: the first python3 on PATH may be another one without python3-grpcio.</summary>
    public const string Interpreter = "/usr/bin/python3";

    private static readonly TimeSpan _stdinGrace = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly string _script;
    private readonly Task _pumps;

    private PythonProcess(Process process, string script)
    {
        _process = process;
        _script = script;
        Stdout = new ConsoleLines($"stdout of {script} ({process.Id})");
        Stderr = new ConsoleLines($"stderr of {script} ({process.Id})");
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, Stdout), PumpAsync(process.StandardError, Stderr));
    }

    public static string ScriptDirectory => Path.Combine(AppContext.BaseDirectory, "Python");

    public ConsoleLines Stdout { get; }

    public ConsoleLines Stderr { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>/usr/bin/python3 -B Python/<paramref name="script"/> arguments...</c>.</summary>
    public static PythonProcess Start(string script, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} does not exist: install Debian's python3, python3-grpcio and python3-protobuf (tools/setup does).");
        }
        var path = Path.Combine(ScriptDirectory, script);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing from the test output; the csproj copies Python/*.py there.", path);
        }
        var start = new ProcessStartInfo(Interpreter)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // -B: no __pycache__ written into the test output directory.
        start.ArgumentList.Add("-B");
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        // A PYTHONPATH or PYTHONHOME meant for another interpreter (pyenv) would hide Debian's modules.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Interpreter} {script} did not start.");
        return new PythonProcess(process, script);
    }

    /// <summary>Runs a script to completion with stdin closed; kills it if it outlives <paramref name="timeout"/>.</summary>
    public static async Task<PythonResult> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var process = Start(script, arguments);
        process.CloseStandardInput();
        var exitCode = await process.WaitForExitAsync(timeout, cancellationToken);
        return new PythonResult(script, arguments.ToArray(), exitCode, process.Stdout.Snapshot(), process.Stderr.Snapshot());
    }

    public void CloseStandardInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process has gone already: its stdin pipe is broken, which is just as closed.
        }
    }

    /// <summary>Sends SIGTERM, as a service manager stopping it would.</summary>
    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/kill") { UseShellExecute = false };
        start.ArgumentList.Add("-TERM");
        start.ArgumentList.Add(Id.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(start) ?? throw new InvalidOperationException("/bin/kill did not start.");
        await kill.WaitForExitAsync(cancellationToken);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"/bin/kill -TERM {Id} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits until the process has exited and its output has been read to the end.</summary>
    /// <exception cref="TimeoutException">It is still running after <paramref name="timeout"/>; the message holds its output.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
            await _pumps.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_script} ({Id}) did not exit within {timeout}.\n{Stdout.Tail()}\n{Stderr.Tail()}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                CloseStandardInput();
                try
                {
                    await _process.WaitForExitAsync().WaitAsync(_stdinGrace);
                }
                catch (TimeoutException)
                {
                    KillTree();
                }
            }
            // Reaps the child and lets the pumps see end of file.
            await _process.WaitForExitAsync();
            await _pumps;
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private static async Task PumpAsync(StreamReader reader, ConsoleLines lines)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }
        lines.Complete();
    }
}

/// <summary>How a script run ended and everything it printed.</summary>
internal sealed record PythonResult(string Script, IReadOnlyList<string> Arguments, int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)
{
    /// <summary>The command and its output, for assertion messages.</summary>
    public string Describe() =>
        $"{PythonProcess.Interpreter} {Script} {string.Join(' ', Arguments)} exited with {ExitCode}\n"
        + $"--- stdout ---\n{string.Join('\n', Stdout)}\n--- stderr ---\n{string.Join('\n', Stderr)}\n--- end ---";
}
