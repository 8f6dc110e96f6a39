using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// <c>edit</c> with <c>$EDITOR</c> set to a script: the persistent XML goes to a temp file, the script edits it, the
/// result is defined. Compared with virsh where virsh behaves sanely, and checked against the definition itself.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class EditTests
{
    [Test]
    public async Task An_edited_file_is_defined_as_virsh_does()
    {
        var editor = Script("edit-title.sh", "sed -i 's|<name>test</name>|<name>test</name><title>edited</title>|' \"$1\"");
        var environment = new Dictionary<string, string> { ["EDITOR"] = editor };
        string[] arguments = ["-c", TestUri, "edit test; desc test --title --config"];
        var virsh = await RunAsync(Virsh, arguments, environment: environment);
        var vsh = await RunAsync(Vsh, arguments, environment: environment);
        Assert.That(vsh, Is.EqualTo(virsh));
        Assert.That(vsh.Stdout, Is.EqualTo("Domain 'test' XML configuration edited.\n\nedited\n"));
    }

    [Test]
    public async Task An_unchanged_file_is_not_defined()
    {
        var environment = new Dictionary<string, string> { ["EDITOR"] = Script("edit-nothing.sh", "exit 0") };
        string[] arguments = ["-c", TestUri, "edit test"];
        var virsh = await RunAsync(Virsh, arguments, environment: environment);
        var vsh = await RunAsync(Vsh, arguments, environment: environment);
        Assert.That(vsh, Is.EqualTo(virsh));
        Assert.That(vsh.Stdout, Is.EqualTo("Domain 'test' XML configuration not changed.\n\n"));
    }

    [Test]
    public async Task VISUAL_wins_over_EDITOR_and_an_editor_with_options_runs_through_the_shell()
    {
        var environment = new Dictionary<string, string>
        {
            ["VISUAL"] = Script("edit-with-option.sh", "[ \"$1\" = --flag ] || exit 9; sed -i 's|<name>test</name>|<name>test</name><title>visual</title>|' \"$2\"") + " --flag",
            ["EDITOR"] = Script("edit-wrong.sh", "exit 7"),
        };
        var vsh = await RunAsync(Vsh, ["-c", TestUri, "edit test; desc test --title --config"], environment: environment);
        Assert.That(vsh.Stdout, Is.EqualTo("Domain 'test' XML configuration edited.\n\nvisual\n"), vsh.ToString());
    }

    [Test]
    public async Task A_failing_editor_is_reported_with_its_exit_status_and_nothing_is_defined()
    {
        var editor = Script("edit-fail.sh", "echo '<broken' > \"$1\"; exit 3");
        var vsh = await RunAsync(Vsh, ["-c", TestUri, "edit test; dumpxml test --inactive"], environment: new Dictionary<string, string> { ["EDITOR"] = editor });
        Assert.Multiple(() =>
        {
            Assert.That(vsh.ExitCode, Is.Zero, "the chain's last command succeeded");
            Assert.That(vsh.Stderr, Does.Match($"^error: internal error: Child process \\({System.Text.RegularExpressions.Regex.Escape(editor)} /[^ ]*/vsh[A-Za-z0-9]{{6}}\\.xml\\) unexpected exit status 3\n$"));
            Assert.That(vsh.Stdout, Does.StartWith("\n<domain type='test'>\n  <name>test</name>\n  <uuid>"), "the definition is untouched");
        });
    }

    [Test]
    public async Task Without_a_terminal_a_bad_edit_gives_up_and_changes_nothing()
    {
        var editor = Script("edit-bad.sh", "echo '<domain><name>broken' > \"$1\"");
        var before = await VshAsync("-c", TestUri, "dumpxml test --inactive");
        var vsh = await RunAsync(Vsh, ["-c", TestUri, "edit test; dumpxml test --inactive"], stdin: "y\n", environment: new Dictionary<string, string> { ["EDITOR"] = editor });
        var lines = vsh.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            // virsh 9.0 asks nobody without a terminal and says "error: Failed."; we say why first, and fail.
            Assert.That(lines, Has.Length.EqualTo(2), vsh.ToString());
            Assert.That(lines[0], Does.StartWith("error: "));
            Assert.That(lines[1], Is.EqualTo("error: Failed."));
            Assert.That(vsh.Stdout, Is.EqualTo("\n" + before.Stdout), "no prompt, and the definition is untouched");
            Assert.That(vsh.ExitCode, Is.Zero, "the chain's last command (dumpxml) succeeded");
        });
        var alone = await RunAsync(Vsh, ["-c", TestUri, "edit test"], environment: new Dictionary<string, string> { ["EDITOR"] = editor });
        Assert.That(alone.ExitCode, Is.EqualTo(1), alone.ToString());
    }

    [Test]
    public async Task On_a_terminal_a_bad_edit_asks_and_y_edits_again()
    {
        // First run: break the file (keeping a copy); second run (after "y"): the copy with a title.
        var editor = Script("edit-twice.sh",
            "if [ -e \"$1.orig\" ]; then sed 's|<name>test</name>|<name>test</name><title>second</title>|' \"$1.orig\" > \"$1\"; rm \"$1.orig\";",
            "else cp \"$1\" \"$1.orig\"; echo '<domain><name>broken' > \"$1\"; fi");
        var result = await OnTerminalAsync("?y", editor, "edit test; desc test --title --config");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Contain("Failed. Try again? [y,n,i,f,?]: "));
            Assert.That(result.Stdout, Does.Contain("\ny - yes, start editor again\nn - no, throw away my changes\ni - turn off validation and try to redefine again\nf - force, try to redefine again\n? - print this help\n"));
            Assert.That(result.Stdout, Does.EndWith("Domain 'test' XML configuration edited.\n\nsecond\n"));
        });
    }

    [Test]
    public async Task On_a_terminal_n_throws_the_changes_away()
    {
        var editor = Script("edit-bad-tty.sh", "echo '<domain><name>broken' > \"$1\"");
        var result = await OnTerminalAsync("n", editor, "edit test");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stdout, Does.Contain("Failed. Try again? [y,n,i,f,?]: "));
            Assert.That(result.Stdout, Does.Not.Contain("edited"));
        });
    }

    // What the terminal showed, as text: the terminal's \r\n as \n, without the keypad escapes .NET's ReadKey sends.
    private static async Task<ProcessResult> OnTerminalAsync(string answers, string editor, string command)
    {
        var result = await RunAsync(
            "/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Data", "pty_answer.py"), answers, Vsh, "-c", TestUri, command],
            environment: new Dictionary<string, string> { ["EDITOR"] = editor });
        var text = System.Text.RegularExpressions.Regex.Replace(result.Stdout, "\u001b\\[\\?1[hl]\u001b[=>]", "");
        return result with { Stdout = text.Replace("\r", "", StringComparison.Ordinal) };
    }

    private static string Script(string name, params string[] body) =>
        WriteFile(name, "#!/bin/sh\n" + string.Join('\n', body) + "\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
