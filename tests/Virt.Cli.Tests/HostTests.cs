using System.Globalization;
using System.Xml.Linq;
using Virt.Testing;
using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// nodeinfo, nodememstats, freecell, nodecpumap, nodecpustats, capabilities and domcapabilities through a real virtd with the QEMU driver:
/// the figures must be this host's (read here from /proc and sysfs, as libvirt reads them) and the XML must describe
/// the real qemu-system-x86_64. The test driver's answers are compared with virsh byte for byte in ParityTests.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HostTests
{
    private VirtdProcess _virtd = null!;

    [OneTimeSetUp]
    public async Task StartVirtdAsync() => _virtd = await VirtdProcess.StartAsync();

    [OneTimeTearDown]
    public async Task StopVirtdAsync() => await _virtd.DisposeAsync();

    [Test]
    public async Task Nodeinfo_and_nodememstats_report_this_host()
    {
        var info = Fields(await RunOkAsync("nodeinfo"));
        var memstats = Fields(await RunOkAsync("nodememstats"));

        var online = OnlineCpus();
        Assert.That(info["CPU model"], Is.EqualTo("x86_64"));
        Assert.That(int.Parse(info["CPU(s)"], CultureInfo.InvariantCulture), Is.EqualTo(online));
        // libvirt's nodeinfo memory is the NUMA cells' total, which is not always /proc/meminfo's.
        Assert.That(info["Memory size"], Is.EqualTo(NodeMemTotalKib() + " KiB"));
        var product = new[] { "CPU socket(s)", "Core(s) per socket", "Thread(s) per core", "NUMA cell(s)" }
            .Aggregate(1, (p, key) => p * int.Parse(info[key], CultureInfo.InvariantCulture));
        Assert.That(product, Is.EqualTo(online), "the topology adds up to the CPUs");
        Assert.That(memstats["total  "], Is.EqualTo(MeminfoKib("MemTotal").ToString(CultureInfo.InvariantCulture) + " KiB"));
        Assert.That(memstats.Keys, Is.EqualTo(new[] { "total  ", "free   ", "buffers", "cached " }));
    }

    [Test]
    public async Task Freecell_reports_the_numa_cells_free_memory_as_libvirt_reads_it()
    {
        var cells = Directory.GetDirectories("/sys/devices/system/node", "node*").Length;
        var total = await RunOkAsync("freecell");
        var all = (await RunOkAsync("freecell --all")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var cell0 = await RunOkAsync("freecell --cellno 0");
        var missing = await VshAsync("-c", _virtd.AdminUri, "freecell --cellno " + cells.ToString(CultureInfo.InvariantCulture));

        // Free memory moves between reads: the same order of magnitude as the cells' MemFree now, and consistent.
        var totalKib = ulong.Parse(total.Stdout.Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.That(total.Stdout, Does.Match(@"^Total: \d+ KiB\n$"));
        Assert.That(totalKib, Is.InRange(NodeMemFreeKib() / 2, NodeMemTotalKib()));
        Assert.That(all, Has.Length.EqualTo(cells + 2), "a line per cell, the rule and the total");
        Assert.That(all[0], Does.Match(@"^    0: +\d+ KiB$"));
        Assert.That(all[^2..], Has.Exactly(1).EqualTo("--------------------").And.Exactly(1).Match(@"^Total: +\d+ KiB$"));
        Assert.That(cell0.Stdout, Does.Match(@"^0: \d+ KiB\n$"));
        Assert.That((missing.ExitCode, missing.Stderr), Is.EqualTo((1, "error: invalid argument: Range exceeds available cells\n")));
    }

    [Test]
    public async Task Nodecpumap_reads_the_present_and_online_cpus_as_libvirt_does()
    {
        // This host's own lists, read here with the shell's tools rather than Virt's parser.
        var present = File.ReadAllText("/sys/devices/system/cpu/present").Trim();
        var online = File.ReadAllText("/sys/devices/system/cpu/online").Trim();
        var count = int.Parse(present.Split(',', '-')[^1], CultureInfo.InvariantCulture) + 1;
        var map = (await RunOkAsync("nodecpumap")).Stdout;
        Assert.That(map, Does.StartWith($"CPUs present:   {count}\nCPUs online:    {OnlineCpus()}\nCPU map:        "));
        Assert.That(map.Split('\n')[2]["CPU map:        ".Length..], Has.Length.EqualTo(count).And.Not.Contain("x"));
        Assert.That((await RunOkAsync("nodecpumap --pretty")).Stdout, Does.EndWith($"CPU map:        {online}\n\n"));
    }

    [Test]
    public async Task Nodecpustats_counts_up_and_refuses_a_cpu_the_host_lacks_as_libvirt_does()
    {
        var before = Fields(await RunOkAsync("nodecpustats --cpu 0"));
        var after = Fields(await RunOkAsync("nodecpustats --cpu 0"));
        var bad = await VshAsync("-c", _virtd.AdminUri, "nodecpustats --cpu 4096");

        Assert.That(before.Keys, Is.EqualTo(new[] { "user", "system", "idle", "iowait" }));
        var total = (Dictionary<string, string> f) => f.Values.Sum(v => decimal.Parse(v, CultureInfo.InvariantCulture));
        Assert.That(total(after), Is.GreaterThanOrEqualTo(total(before)));
        Assert.That(total(before), Is.GreaterThan(0m));
        // The text libvirtd 9.0 gives for the same call (virsh -c qemu:///session nodecpustats --cpu 4096).
        Assert.That(bad.Stderr, Is.EqualTo("error: Unable to get node cpu stats\nerror: Invalid cpuNum in virHostCPUGetStatsLinux\n"), bad.ToString());
        Assert.That(bad.ExitCode, Is.EqualTo(1));
    }

    [Test]
    public async Task Capabilities_describe_the_host_cells_and_the_real_emulator_machines()
    {
        var caps = XDocument.Parse((await RunOkAsync("capabilities")).Stdout);

        var cpus = caps.Descendants("cells").Single().Descendants("cpu").Count();
        Assert.That(cpus, Is.EqualTo(OnlineCpus()));
        Assert.That(caps.Root!.Element("host")!.Element("secmodel")!.Element("model")!.Value, Is.EqualTo("none"));
        var guest = caps.Root.Element("guest")!.Element("arch")!;
        Assert.That(guest.Attribute("name")!.Value, Is.EqualTo("x86_64"));
        Assert.That(guest.Element("emulator")!.Value, Does.EndWith("/qemu-system-x86_64"));
        var q35 = guest.Elements("machine").Single(m => m.Value == "q35");
        Assert.That(q35.Attribute("canonical")!.Value, Does.StartWith("pc-q35-"), "the alias names its versioned machine");
        Assert.That(guest.Elements("machine").Select(m => m.Value), Has.Member(q35.Attribute("canonical")!.Value));
        Assert.That(guest.Elements("domain").Select(d => d.Attribute("type")!.Value), Has.Member("qemu"));
    }

    [Test]
    public async Task Domcapabilities_follow_the_machine_and_refuse_what_the_emulator_lacks_in_libvirts_words()
    {
        var q35 = XDocument.Parse((await RunOkAsync("domcapabilities --machine q35")).Stdout).Root!;
        var pc = XDocument.Parse((await RunOkAsync("domcapabilities")).Stdout).Root!;
        var bogus = await VshAsync("-c", _virtd.AdminUri, "domcapabilities --machine bogus");

        Assert.That(q35.Element("machine")!.Value, Does.StartWith("pc-q35-"));
        Assert.That(q35.Element("vcpu")!.Attribute("max")!.Value, Is.EqualTo("288"));
        Assert.That(pc.Element("machine")!.Value, Does.StartWith("pc-i440fx-"), "QEMU's default machine");
        Assert.That(pc.Element("domain")!.Value, Is.EqualTo("qemu"), "TCG: there is no usable KVM here");
        var models = pc.Descendants("mode").Single(m => m.Attribute("name")!.Value == "custom").Elements("model").ToList();
        Assert.That(models.Single(m => m.Value == "qemu64").Attribute("usable")!.Value, Is.EqualTo("yes"));
        Assert.That(models.Select(m => m.Value), Has.None.Match("-v[0-9]+$"), "libvirt lists named models, not versions");
        Assert.That(pc.Descendants("disk").Single().Descendants("value").Select(v => v.Value), Has.Member("virtio"));
        Assert.That(bogus.Stderr, Is.EqualTo(
            "error: failed to get emulator capabilities\n" +
            "error: invalid argument: the machine 'bogus' is not supported by emulator '/usr/bin/qemu-system-x86_64'\n"), bogus.ToString());
    }

    private async Task<ProcessResult> RunOkAsync(string command)
    {
        var result = await VshAsync("-c", _virtd.AdminUri, command);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    // "Label:   value" lines (nodeinfo, nodecpustats, nodememstats), keyed by the text before the first colon.
    private static Dictionary<string, string> Fields(ProcessResult result) =>
        result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => line[..line.IndexOf(':', StringComparison.Ordinal)], line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.Ordinal);

    private static int OnlineCpus()
    {
        var count = 0;
        foreach (var part in File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(','))
        {
            var range = part.Split('-').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            count += range.Length == 1 ? 1 : range[1] - range[0] + 1;
        }
        return count;
    }

    private static ulong NodeMemTotalKib() =>
        Directory.GetDirectories("/sys/devices/system/node", "node*")
            .Select(d => File.ReadLines(Path.Combine(d, "meminfo")).First(l => l.Contains("MemTotal:", StringComparison.Ordinal)))
            .Aggregate(0UL, (sum, line) => sum + ulong.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));

    private static ulong NodeMemFreeKib() =>
        Directory.GetDirectories("/sys/devices/system/node", "node*")
            .Select(d => File.ReadLines(Path.Combine(d, "meminfo")).First(l => l.Contains("MemFree:", StringComparison.Ordinal)))
            .Aggregate(0UL, (sum, line) => sum + ulong.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));

    private static ulong MeminfoKib(string key) =>
        ulong.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
