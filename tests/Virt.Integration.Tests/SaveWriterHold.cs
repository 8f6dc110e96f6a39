using System.Globalization;

namespace Virt.Integration.Tests;

/// <summary>
/// Holds a save job that streams through a program halfway, as a disk that stalls mid-stream would: the compressor of
/// virtd's save image format (or <c>cat</c>, which a raw save no longer runs: QEMU writes that stream itself, and
/// <see cref="QemuWriteHold"/> holds it) first on the PATH of a virtd started with <see cref="Environment"/> (QEMU runs the save's writer,
/// <c>cat &gt;&gt; TEMP</c>, through <c>/bin/sh</c> with the PATH it inherited from its worker and virtd; virtd looks
/// the compressor up in its own PATH). Once <see cref="Arm"/>ed, the next writer passes the first
/// 256 KiB of QEMU's stream to the file, records its pid and stops itself (SIGSTOP) before it reads more, so QEMU's
/// migration is still active and blocked on the pipe for as long as the test wants; SIGCONT lets it carry on as the
/// real program. Other writers are the real program straight away.
/// </summary>
/// <remarks>
/// Finding the real cat in /proc and stopping it from the test raced the save: a stream of a freshly booted guest is
/// over within a few hundred milliseconds, and under load the test's stop (a /proc scan, then a kill process spawned)
/// came 8-314 ms after it saw the writer, sometimes after the save had finished: domjobinfo then said "domain is not
/// running" (the guest was shut off, saved). Here the writer cannot finish before it is held.
/// </remarks>
internal sealed class SaveWriterHold : ISaveHold, IDisposable
{
    private readonly string _directory;
    private readonly string _program;
    private int? _held;

    private SaveWriterHold(string directory, string program) => (_directory, _program) = (directory, program);

    /// <summary>What to add to virtd's environment (VirtdProcess.StartWithEnvironmentAsync).</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        new Dictionary<string, string> { ["PATH"] = _directory + ":" + (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") };

    /// <param name="program">The writer to stand in for: <c>cat</c>, or a compressor (<c>zstd</c>, <c>gzip</c>, ...).</param>
    public static SaveWriterHold Create(string program = "cat")
    {
        var directory = Directory.CreateTempSubdirectory("vhold-").FullName;
        var script = Path.Combine(directory, program);
        // The writer claims the hold by removing its mark (one writer per Arm), passes exactly 256 KiB on (fullblock:
        // nothing read is dropped), and announces its pid by a rename, so the test never reads half a number.
        File.WriteAllText(script, $$"""
            #!/bin/sh
            if rm '{{directory}}/hold' 2>/dev/null; then
              dd bs=64K count=4 iflag=fullblock status=none
              echo $$ > '{{directory}}/held.tmp' && mv '{{directory}}/held.tmp' '{{directory}}/held'
              kill -STOP $$
            fi
            exec /usr/bin/{{program}} "$@"

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new SaveWriterHold(directory, program);
    }

    /// <summary>The next save's writer holds.</summary>
    public void Arm() => File.WriteAllText(Path.Combine(_directory, "hold"), "");

    /// <summary>Waits until the armed writer has stopped itself; returns its pid.</summary>
    public async Task<int> WaitHeldAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var announced = Path.Combine(_directory, "held");
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(announced))
            {
                var pid = int.Parse((await File.ReadAllTextAsync(announced)).Trim(), CultureInfo.InvariantCulture);
                _held = pid;
                // It announces itself just before it stops itself: wait for the stop ("T" in /proc/PID/stat).
                while (DateTime.UtcNow < deadline)
                {
                    var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat");
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T'))
                    {
                        return pid;
                    }
                    await Task.Delay(10);
                }
                break;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no save writer held itself within {timeout} (a writer that runs `{_program}` through the PATH in {_directory})");
    }

    /// <summary>Lets the held writer go on (SIGCONT), as a disk that recovers.</summary>
    public void Release()
    {
        if (_held is { } pid)
        {
            _held = null;
            VshRun.Signal("CONT", pid);
        }
    }

    /// <summary>Lets a writer still held go, and removes the script.</summary>
    public void Dispose()
    {
        Release();
        Directory.Delete(_directory, recursive: true);
    }
}
