using System.Diagnostics;
using System.Text;
using Virt.Testing;

namespace Virt.Cli.Tests;

/// <summary>What a finished process printed and returned.</summary>
internal sealed record ProcessResult(string Stdout, string Stderr, int ExitCode)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs vsh (this checkout's build, as a process) and Debian's virsh, the reference, in the same environment:
/// <c>LC_ALL=C.UTF-8</c>, <c>TZ=UTC</c>, no default-URI variables, a private temp directory as working directory.
/// </summary>
internal static class Processes
{
    public const string TestUri = "test:///default";

    /// <summary>The vsh built alongside the running tests (same configuration).</summary>
    public static string Vsh => RepoPaths.Vsh;

    public const string Virsh = "/usr/bin/virsh";

    public static Task<ProcessResult> VshAsync(params string[] arguments) => RunAsync(Vsh, arguments);

    public static Task<ProcessResult> VirshAsync(params string[] arguments) => RunAsync(Virsh, arguments);

    /// <summary>Runs <paramref name="executable"/> to completion (a generous bound guards against hangs).</summary>
    public static async Task<ProcessResult> RunAsync(
        string executable,
        IEnumerable<string> arguments,
        string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        using var process = Start(executable, arguments, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish");
        }

        return new ProcessResult(await stdout, await stderr, process.ExitCode);
    }

    /// <summary>Starts a process with redirected streams, for tests that talk to it while it runs.</summary>
    public static Process Start(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
            WorkingDirectory = WorkDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["TZ"] = "UTC";
        start.Environment.Remove("VIRT_DEFAULT_URI");
        start.Environment.Remove("LIBVIRT_DEFAULT_URI");
        start.Environment.Remove("VISUAL");
        start.Environment.Remove("EDITOR");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
    }

    /// <summary>A directory for the test run's files (XML, editor scripts), removed when the process exits.</summary>
    public static string WorkDirectory { get; } = CreateWorkDirectory();

    /// <summary>A domain definition both drivers accept: the fixture's <c>test</c> renamed, without its UUID.</summary>
    public static string DomainXml(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "domain.xml")).Replace("@NAME@", name, StringComparison.Ordinal);

    /// <summary>Writes a file under <see cref="WorkDirectory"/> and returns its absolute path.</summary>
    public static string WriteFile(string name, string content, UnixFileMode? mode = null)
    {
        var path = Path.Combine(WorkDirectory, name);
        File.WriteAllText(path, content);
        if (mode is { } m)
        {
            File.SetUnixFileMode(path, m);
        }

        return path;
    }

    private static string CreateWorkDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("vsh-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp directory is harmless.
            }
        };
        return directory;
    }
}
