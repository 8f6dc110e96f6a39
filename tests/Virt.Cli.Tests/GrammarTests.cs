using Virt.Cli.Commands;
using Virt.Cli.Runtime;
using Virt.Cli.Shell;

namespace Virt.Cli.Tests;

/// <summary>virsh's grammar in-process: the command-string splitter, the option binder and the global options.
/// (The process tests compare the same cases with virsh end to end; these pin the rules one by one.)</summary>
[TestFixture]
public sealed class GrammarTests
{
    private static readonly CommandDef _desc = new("desc", CommandGroup.Domain, "", "",
    [
        Opt.Domain(),
        Opt.Live(),
        Opt.Flag("title", ""),
        new("new-desc", OptionKind.Argv, ""),
    ], (_, _) => Task.FromResult(true));

    private static readonly CommandDef _event = new("event", CommandGroup.Events, "", "",
    [
        new("domain", OptionKind.String, ""),
        new("event", OptionKind.String, ""),
        Opt.Flag("all", ""),
        new("timeout", OptionKind.Number, ""),
    ], (_, _) => Task.FromResult(true));

    [TestCase("list --all", new[] { "list|--all" })]
    [TestCase("a; b c ;; d", new[] { "a", "b|c", "d" })]
    [TestCase("echo 'a  b' \"c\\\"d\" e\\ f", new[] { "echo|a  b|c\"d|e f" })]
    [TestCase("echo 'it\\'s", new[] { "echo|it\\s" })]
    [TestCase("list # comment; more", new[] { "list" })]
    [TestCase("echo a#b", new[] { "echo|a#b" })]
    [TestCase("   ", new string[0])]
    [TestCase("echo 'unterminated", new[] { "echo|unterminated" })]
    public void Splitter_follows_virshs_string_grammar(string line, string[] expected) =>
        Assert.That(CommandLineSplitter.Split(line).Select(c => string.Join('|', c)), Is.EqualTo(expected));

    [TestCase("echo \"open", "missing \"")]
    [TestCase("echo end\\", "dangling \\")]
    public void Splitter_refuses_what_virsh_refuses(string line, string message) =>
        Assert.That(() => CommandLineSplitter.Split(line), Throws.TypeOf<VshError>().With.Message.EqualTo(message));

    [TestCase(new[] { "test", "a", "b" }, new[] { "desc", "--domain=test", "--new-desc=a", "--new-desc=b" })]
    [TestCase(new[] { "--title", "test", "--live", "x" }, new[] { "desc", "--domain=test", "--live", "--title", "--new-desc=x" })]
    [TestCase(new[] { "--domain=test", "--", "--live" }, new[] { "desc", "--domain=test", "--new-desc=--live" })]
    [TestCase(new[] { "-x" }, new[] { "desc", "--domain=-x" })]
    public void Positional_words_fill_non_bool_options_in_order(string[] words, string[] canonical) =>
        Assert.That(ArgumentBinder.Bind(_desc, words), Is.EqualTo(canonical));

    [TestCase(new[] { "dom", "lifecycle", "5" }, new[] { "event", "--domain=dom", "--event=lifecycle", "--timeout=5" })]
    [TestCase(new[] { "--event", "reboot", "dom" }, new[] { "event", "--domain=dom", "--event=reboot" })]
    public void Every_non_bool_option_is_positional_as_in_virsh_9(string[] words, string[] canonical) =>
        Assert.That(ArgumentBinder.Bind(_event, words), Is.EqualTo(canonical));

    [TestCase(new[] { "--bogus" }, "command 'desc' doesn't support option --bogus")]
    [TestCase(new[] { "test", "--title", "--title" }, "option --title already seen")]
    [TestCase(new[] { "test", "--title=yes" }, "invalid '=' after option --title")]
    [TestCase(new[] { "--domain" }, "expected syntax: --domain <string>")]
    [TestCase(new[] { "--live" }, "command 'desc' requires <domain> option")]
    public void Syntax_errors_have_virshs_words(string[] words, string message) =>
        Assert.That(() => ArgumentBinder.Bind(_desc, words), Throws.TypeOf<VshError>().With.Message.EqualTo(message));

    [Test]
    public void Help_anywhere_asks_for_the_commands_help() =>
        Assert.That(ArgumentBinder.Bind(_desc, ["test", "--help"]), Is.Null);

    [Test]
    public void Global_options_stop_at_the_first_word_that_is_not_one()
    {
        var options = GlobalOptions.Parse(["-rq", "-ctest:///default", "--json", "list", "-r", "--all"]);
        Assert.Multiple(() =>
        {
            Assert.That(options.ReadOnly, Is.True);
            Assert.That(options.Quiet, Is.True);
            Assert.That(options.Json, Is.True);
            Assert.That(options.Uri, Is.EqualTo("test:///default"));
            Assert.That(options.Command, Is.EqualTo(new[] { "list", "-r", "--all" }));
        });
    }

    [TestCase(new[] { "--conn", "x:///", "uri" }, "x:///")]
    [TestCase(new[] { "--connect=x:///" }, "x:///")]
    [TestCase(new[] { "-c", "x:///", "--", "--not-an-option" }, "x:///")]
    public void Connect_takes_getopt_forms(string[] args, string uri) =>
        Assert.That(GlobalOptions.Parse(args).Uri, Is.EqualTo(uri));

    [TestCase(new[] { "-v" }, "Short")]
    [TestCase(new[] { "--version" }, "Short")]
    [TestCase(new[] { "--version=long" }, "Long")]
    [TestCase(new[] { "--version=other" }, "Short")]
    [TestCase(new[] { "-V" }, "Long")]
    public void Version_requests(string[] args, string expected) =>
        Assert.That(GlobalOptions.Parse(args).Version.ToString(), Is.EqualTo(expected));

    [Test]
    public void An_out_of_range_debug_level_is_reported_and_ignored()
    {
        var options = GlobalOptions.Parse(["-d", "9", "uri"]);
        Assert.That(options.Warnings, Is.EqualTo(new[] { "ignoring debug level 9 out of range [0-4]" }));
        Assert.That(options.DebugLevel, Is.EqualTo(Session.DefaultDebugLevel));
    }

    [TestCase(new[] { "-x" }, "unsupported option '-x'. See --help.")]
    [TestCase(new[] { "--bogus" }, "unsupported option '--bogus'. See --help.")]
    [TestCase(new[] { "-c" }, "option '-c'/'--connect' requires an argument")]
    [TestCase(new[] { "-d", "x" }, "option -d takes a numeric argument")]
    public void Global_option_errors_have_virshs_words(string[] args, string message) =>
        Assert.That(() => GlobalOptions.Parse(args), Throws.TypeOf<VshError>().With.Message.EqualTo(message));
}
