using System.Text;
using Virt.Cli.Shell;
using Virt.Testing;
using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// The shell's pipelined defines (Shell/DefinePipeline.cs) through a real virtd with the QEMU driver: a shell fed
/// from a pipe sends consecutive defines without waiting, and what it prints must still be the sequential
/// transcript, line by line; a redefinition must land after the definition it replaces; and a feeder that waits for
/// each answer before writing the next line must not hang.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DefinePipelineTests
{
    private const string Banner = "Welcome to vsh, the virtualization interactive terminal.\n\n"
        + "Type:  'help' for help with commands\n       'quit' to quit\n\n";

    private VirtdProcess _virtd = null!;

    [OneTimeSetUp]
    public async Task StartVirtdAsync() => _virtd = await VirtdProcess.StartAsync();

    [OneTimeTearDown]
    public async Task StopVirtdAsync() => await _virtd.DisposeAsync();

    [Test]
    public async Task A_define_storm_prints_the_sequential_transcript_and_defines_every_domain()
    {
        // More defines than the window, with an unreadable file, a malformed document, a redefinition of an earlier
        // domain (new memory size) and a command that is not a define in between.
        var lines = new List<string>();
        var expectedOut = new StringBuilder(Banner);
        var expectedErr = new StringBuilder();
        var names = new List<string>();
        // A redefinition keeps the UUID (libvirt refuses a second domain of the same name).
        var redefinedUuid = Guid.NewGuid();
        for (var i = 0; i < 45; i++)
        {
            var name = $"pipe-{i:D2}";
            var file = WriteFile($"{name}.xml", QemuDomainXml(name, memoryMib: 128, i == 5 ? redefinedUuid : null));
            Define(file, $"Domain '{name}' defined from {file}\n");
            names.Add(name);
            if (i == 10)
            {
                var missing = Path.Combine(WorkDirectory, "pipe-missing.xml");
                Define(missing, "", $"error: Failed to open file '{missing}': No such file or directory\n");
            }
            else if (i == 20)
            {
                var redefined = WriteFile("pipe-05-again.xml", QemuDomainXml("pipe-05", memoryMib: 192, redefinedUuid));
                Define(redefined, $"Domain 'pipe-05' defined from {redefined}\n");
            }
            else if (i == 30)
            {
                lines.Add("domstate pipe-30");
                expectedOut.Append("vsh # domstate pipe-30\nshut off\n\n");
            }
        }

        var broken = WriteFile("pipe-broken.xml", "<domain type='qemu'><name>broken</name>");
        lines.Add($"define {broken}");
        lines.Add("list --all --name");

        var result = await RunAsync(Vsh, ["-c", _virtd.AdminUri], string.Join("\n", lines) + "\n");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var text = result.Stdout;
        Assert.That(text, Does.StartWith(expectedOut.ToString()), result.ToString());
        var rest = text[expectedOut.Length..];
        Assert.That(rest, Does.StartWith($"vsh # define {broken}\n\nvsh # list --all --name\n"), result.ToString());
        Assert.That(rest, Does.EndWith("\nvsh # \n"), "the prompt of the end-of-input read, then virsh's last line break");
        var listed = rest.Split('\n').Where(l => l.StartsWith("pipe-", StringComparison.Ordinal)).ToList();
        Assert.That(listed, Is.EquivalentTo(names), "every document defined once, nothing else");
        Assert.That(result.Stderr, Does.StartWith(expectedErr.ToString()), result.ToString());
        Assert.That(result.Stderr, Does.Contain("error: Failed to define domain from " + broken), result.ToString());

        var xml = await VshAsync("-c", _virtd.AdminUri, "dumpxml", "pipe-05");
        Assert.That(xml.Stdout, Does.Contain("<memory unit='KiB'>196608</memory>"), "the redefinition, sent after the definition it replaces");

        void Define(string file, string output, string error = "")
        {
            lines.Add($"define {file}");
            expectedOut.Append($"vsh # define {file}\n{output}\n");
            expectedErr.Append(error);
        }
    }

    [Test]
    public async Task A_feeder_that_waits_for_each_answer_is_answered_line_by_line()
    {
        using var process = Start(Vsh, ["-c", _virtd.AdminUri]);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 3; i++)
        {
            var file = WriteFile($"feeder-{i}.xml", QemuDomainXml($"feeder-{i}", memoryMib: 64));
            await process.StandardInput.WriteLineAsync($"define {file}");
            await process.StandardInput.FlushAsync();
            // The answer must come before the next line is written (the define may not wait for more input).
            string? line;
            do
            {
                line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            while (line is not null && !line.Contains("defined from", StringComparison.Ordinal));
            Assert.That(line, Is.EqualTo($"Domain 'feeder-{i}' defined from {file}"));
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.EqualTo(0), await stderr);
    }

    [Test]
    public void The_quick_look_names_a_document_only_when_it_is_sure()
    {
        Assert.That(DefinePipeline.Identify("<domain type='qemu'><devices><name>x</name></devices><name> a </name></domain>"), Is.EqualTo(("a", (Guid?)null)));
        var uuid = Guid.NewGuid();
        Assert.That(DefinePipeline.Identify($"<domain><uuid>{uuid:N}</uuid><name>a</name></domain>"), Is.EqualTo(("a", (Guid?)uuid)), "any UUID spelling");
        Assert.That(DefinePipeline.Identify("<domain><name>a</name><name>b</name></domain>"), Is.Null, "two names");
        Assert.That(DefinePipeline.Identify("<domain><name>a</name><uuid>nope</uuid></domain>"), Is.Null, "a UUID that is none");
        Assert.That(DefinePipeline.Identify("<domain><name/></domain>"), Is.Null, "no name");
        Assert.That(DefinePipeline.Identify("<network><name>a</name></network>"), Is.Null, "not a domain");
        Assert.That(DefinePipeline.Identify("<!DOCTYPE d [<!ENTITY e 'a'>]><domain><name>&e;</name></domain>"), Is.Null, "DTDs are the daemon's to refuse");
        Assert.That(DefinePipeline.Identify("<domain><name>a</name>"), Is.Null, "not well-formed");
    }

    // What the QEMU driver accepts without starting anything (tools/bench/daemon's document).
    private static string QemuDomainXml(string name, int memoryMib, Guid? uuid = null) => $"""
        <domain type='qemu'>
          <name>{name}</name>
          {(uuid is { } u ? $"<uuid>{u}</uuid>" : "")}
          <memory unit='MiB'>{memoryMib}</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
          </os>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <disk type='file' device='disk'>
              <driver name='qemu' type='qcow2'/>
              <source file='/var/lib/virt-tests/{name}.qcow2'/>
              <target dev='vda' bus='virtio'/>
            </disk>
          </devices>
        </domain>
        """;
}
