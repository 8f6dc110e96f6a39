using System.Text.Json;
using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary><c>--json</c>: every command prints one JSON document on one line, carrying the facts the text shows.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class JsonTests
{
    [Test]
    public async Task List_carries_the_same_rows_as_the_text()
    {
        var text = await VshAsync("-c", TestUri, "list --all");
        var json = await VshAsync("--json", "-c", TestUri, "list --all");
        Assert.That(json.ExitCode, Is.Zero, json.ToString());
        var domains = Parse(json.Stdout).GetProperty("domains").EnumerateArray().ToList();
        Assert.That(domains, Has.Count.EqualTo(1));
        var d = domains[0];
        Assert.Multiple(() =>
        {
            Assert.That(d.GetProperty("id").GetInt32(), Is.EqualTo(1));
            Assert.That(d.GetProperty("name").GetString(), Is.EqualTo("test"));
            Assert.That(d.GetProperty("state").GetString(), Is.EqualTo("running"));
            Assert.That(d.GetProperty("uuid").GetString(), Is.EqualTo("6695eb01-f6a4-8304-79aa-97f2502e193f"));
            Assert.That(text.Stdout, Does.Contain(" 1    test   running"));
        });
    }

    [Test]
    public async Task Dominfo_carries_the_same_fields_as_the_text()
    {
        var text = Fields((await VshAsync("-c", TestUri, "dominfo test")).Stdout);
        var json = Parse((await VshAsync("--json", "-c", TestUri, "dominfo test")).Stdout);
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(text["Id"]));
            Assert.That(json.GetProperty("name").GetString(), Is.EqualTo(text["Name"]));
            Assert.That(json.GetProperty("uuid").GetString(), Is.EqualTo(text["UUID"]));
            Assert.That(json.GetProperty("os_type").GetString(), Is.EqualTo(text["OS Type"]));
            Assert.That(json.GetProperty("state").GetString(), Is.EqualTo(text["State"]));
            Assert.That($"{json.GetProperty("max_memory_kib").GetUInt64()} KiB", Is.EqualTo(text["Max memory"]));
            Assert.That($"{json.GetProperty("used_memory_kib").GetUInt64()} KiB", Is.EqualTo(text["Used memory"]));
            Assert.That(json.GetProperty("persistent").GetBoolean() ? "yes" : "no", Is.EqualTo(text["Persistent"]));
            Assert.That(json.GetProperty("security")[0].GetProperty("model").GetString(), Is.EqualTo(text["Security model"]));
        });
    }

    [TestCase("domstate test --reason", "state", "running")]
    [TestCase("domuuid test", "uuid", "6695eb01-f6a4-8304-79aa-97f2502e193f")]
    [TestCase("domname 1", "name", "test")]
    [TestCase("hostname", "hostname", null)]
    [TestCase("uri", "uri", TestUri)]
    public async Task Single_value_commands_print_one_object(string command, string property, string? expected)
    {
        var json = await VshAsync("--json", "-c", TestUri, command);
        Assert.That(json.ExitCode, Is.Zero, json.ToString());
        var value = Parse(json.Stdout).GetProperty(property).GetString();
        Assert.That(value, expected is null ? Is.Not.Empty : Is.EqualTo(expected));
    }

    [Test]
    public async Task Domid_of_an_inactive_domain_is_null()
    {
        var json = await VshAsync("--json", "-c", TestUri, "destroy test; domid test");
        var documents = Documents(json.Stdout);
        Assert.That(documents, Has.Count.EqualTo(2), json.ToString());
        Assert.That(documents[1].GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Networks_and_pools_carry_their_state()
    {
        var networks = Parse((await VshAsync("--json", "-c", TestUri, "net-list --all")).Stdout).GetProperty("networks");
        var pools = Parse((await VshAsync("--json", "-c", TestUri, "pool-list --all")).Stdout).GetProperty("pools");
        Assert.Multiple(() =>
        {
            Assert.That(networks[0].GetProperty("name").GetString(), Is.EqualTo("default"));
            Assert.That(networks[0].GetProperty("active").GetBoolean(), Is.True);
            Assert.That(networks[0].GetProperty("bridge").GetString(), Is.EqualTo("virbr0"));
            Assert.That(pools[0].GetProperty("name").GetString(), Is.EqualTo("default-pool"));
            Assert.That(pools[0].GetProperty("state").GetString(), Is.EqualTo("running"));
            Assert.That(pools[0].GetProperty("capacity_bytes").GetUInt64(), Is.EqualTo(107374182400UL));
        });
    }

    [Test]
    public async Task A_failure_is_an_error_document_with_the_code_and_reason()
    {
        var json = await VshAsync("--json", "-c", TestUri, "dominfo nope");
        Assert.That(json.ExitCode, Is.EqualTo(1));
        Assert.That(json.Stderr, Is.EqualTo("error: failed to get domain 'nope'\n"), "stderr keeps virsh's text");
        var error = Parse(json.Stdout).GetProperty("error");
        Assert.Multiple(() =>
        {
            Assert.That(error.GetProperty("message").GetString(), Is.EqualTo("failed to get domain 'nope'"));
            Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("NOT_FOUND"));
            Assert.That(error.GetProperty("reason").GetString(), Is.EqualTo("DOMAIN_NOT_FOUND"));
        });
    }

    [TestCase("bogus", "unknown command: 'bogus'")]
    [TestCase("list --bogus", "command 'list' doesn't support option --bogus")]
    public async Task A_syntax_error_is_an_error_document_too(string command, string message)
    {
        var json = await VshAsync("--json", "-c", TestUri, command);
        Assert.That(json.ExitCode, Is.EqualTo(1));
        Assert.That(json.Stderr, Is.EqualTo($"error: {message}\n"));
        Assert.That(Parse(json.Stdout).GetProperty("error").GetProperty("message").GetString(), Is.EqualTo(message));
    }

    [Test]
    public async Task A_chain_prints_one_document_per_command()
    {
        var file = WriteFile("json-j.xml", DomainXml("j"));
        var json = await VshAsync("--json", "-c", TestUri, $"define {file}; start j; list --all; destroy j; undefine j");
        var documents = Documents(json.Stdout);
        Assert.That(documents, Has.Count.EqualTo(5), json.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(documents[0].GetProperty("result").GetString(), Is.EqualTo("defined"));
            Assert.That(documents[1].GetProperty("domain").GetProperty("id").GetInt32(), Is.EqualTo(2), "the started domain's new id");
            Assert.That(documents[2].GetProperty("domains").GetArrayLength(), Is.EqualTo(2));
            Assert.That(documents[3].GetProperty("result").GetString(), Is.EqualTo("destroyed"));
            Assert.That(documents[4].GetProperty("result").GetString(), Is.EqualTo("undefined"));
        });
    }

    [Test]
    public async Task Event_timeout_is_a_summary_document()
    {
        var json = await VshAsync("--json", "-c", TestUri, "event --all --timeout 1");
        Assert.That(json.ExitCode, Is.EqualTo(1), "no event: the command failed, as in virsh");
        var summary = Parse(json.Stdout);
        Assert.That(summary.GetProperty("ended").GetString(), Is.EqualTo("timeout"));
        Assert.That(summary.GetProperty("events_received").GetInt32(), Is.Zero);
    }

    internal static JsonElement Parse(string stdout)
    {
        var documents = Documents(stdout);
        Assert.That(documents, Has.Count.EqualTo(1), stdout);
        return documents[0];
    }

    internal static List<JsonElement> Documents(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static Dictionary<string, string> Fields(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains(':', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.Ordinal);
}
