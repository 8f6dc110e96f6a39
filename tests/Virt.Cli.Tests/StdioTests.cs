using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>vsh's stdout in the shell's plumbing: a file shared with other writers, and a pipe closed early.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class StdioTests
{
    [Test]
    public async Task Output_to_a_file_shared_with_other_writers_keeps_everyones_lines()
    {
        var file = Path.Combine(WorkDirectory, "shared-output.txt");
        var result = await RunAsync("/bin/sh", ["-c", $"{{ echo first; '{Vsh}' -c {TestUri} domid test; echo last; }} > '{file}'"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(await File.ReadAllTextAsync(file), Is.EqualTo("first\n1\n\nlast\n"));
    }

    [Test]
    public async Task A_reader_that_stops_early_is_not_an_error()
    {
        var result = await RunAsync("/bin/sh", ["-c", $"'{Vsh}' -c {TestUri} 'dumpxml test; dumpxml test; dumpxml test; dumpxml test' | head -1; echo done"]);
        Assert.That(result.Stdout, Is.EqualTo("<domain type='test' id='1'>\ndone\n"), result.ToString());
        Assert.That(result.Stderr, Is.Empty);
    }
}
