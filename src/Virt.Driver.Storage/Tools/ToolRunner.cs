using System.Diagnostics;

namespace Virt.Driver.Storage.Tools;

/// <summary>What a finished tool printed and returned.</summary>
internal sealed record ToolResult(string Tool, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last non-empty stderr lines, for error messages.</summary>
    public string ErrorText => string.Join(' ', Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => !l.StartsWith("File descriptor ", StringComparison.Ordinal)).TakeLast(4));
}

/// <summary>
/// Runs host tools (qemu-img, lvm2, mount…) with an argv array: no shell ever sees a name, so a volume called
/// <c>$(rm -rf /)</c> is just a file name. Output is captured; cancellation kills the tool.
/// </summary>
internal static class ToolRunner
{
    public static Task<ToolResult> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(tool, arguments, readOutput: null, cancellationToken);

    /// <summary>The same; <paramref name="readOutput"/>, if given, reads stdout as it comes (a progress stream) instead of capturing it, and the result's Stdout is then empty.</summary>
    public static async Task<ToolResult> RunAsync(string tool, IEnumerable<string> arguments, Func<StreamReader, Task>? readOutput, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["LC_ALL"] = "C";
        // lvm2 complains about every inherited descriptor; the daemon has many (sockets, logs).
        start.Environment["LVM_SUPPRESS_FD_WARNINGS"] = "1";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported, $"{tool} is not installed on this host ({e.Message}); install it (tools/setup) to use this storage operation.",
                new Dictionary<string, string> { ["tool"] = tool }, e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = readOutput is null
                ? process.StandardOutput.ReadToEndAsync(CancellationToken.None)
                : ReadThenEmptyAsync(process.StandardOutput, readOutput);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            return new ToolResult(Path.GetFileName(tool), process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }

    /// <summary>Runs the tool and throws <see cref="VirtErrorReason.StorageBackendFailed"/> with its words when it fails.</summary>
    public static Task<ToolResult> RunCheckedAsync(string tool, IEnumerable<string> arguments, string doing, CancellationToken cancellationToken) =>
        RunCheckedAsync(tool, arguments, doing, readOutput: null, cancellationToken);

    /// <summary>The same, with stdout read by <paramref name="readOutput"/> as it comes.</summary>
    public static async Task<ToolResult> RunCheckedAsync(string tool, IEnumerable<string> arguments, string doing, Func<StreamReader, Task>? readOutput, CancellationToken cancellationToken)
    {
        var result = await RunAsync(tool, arguments, readOutput, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw Failed(result, doing);
    }

    private static async Task<string> ReadThenEmptyAsync(StreamReader output, Func<StreamReader, Task> read)
    {
        await read(output).ConfigureAwait(false);
        return "";
    }

    public static VirtException Failed(ToolResult result, string doing) =>
        new(VirtErrorReason.StorageBackendFailed, $"Cannot {doing}: {result.Tool} exited with {result.ExitCode}: {result.ErrorText}",
            new Dictionary<string, string> { ["tool"] = result.Tool, ["exitCode"] = result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>The first of <paramref name="names"/> found in the usual binary directories, or null.</summary>
    public static string? Find(params string[] names)
    {
        foreach (var name in names)
        {
            foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin" })
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }
}
