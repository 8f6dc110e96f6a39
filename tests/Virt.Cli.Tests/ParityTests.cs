using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// <c>vsh -c test:///default CMD</c> against <c>virsh -c test:///default CMD</c>: stdout, stderr and the exit code
/// must be the same bytes. Each process starts from a fresh fixture, so a scenario is one command line; chains use
/// virsh's one-argument form (<c>"a; b; c"</c>), which both parse the same way.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ParityTests
{
    [TestCase("list --all")]
    [TestCase("dominfo test")]
    [TestCase("domstate test --reason")]
    [TestCase("net-list --all")]
    [TestCase("pool-list --all")]
    [TestCase("domuuid test")]
    [TestCase("domid test")]
    public async Task Issue_commands_are_byte_identical(string command) => await AssertSameAsync(command.Split(' '));

    // Several commands per process keep the suite quick; a chain's output is every command's output in order.
    [TestCase("list; list --name; list --uuid --all; list --title --all; list --name --uuid --all; list --inactive; list --state-running --state-paused --inactive")]
    [TestCase("domstate test; domname 1; domuuid 1; domid 6695eb01-f6a4-8304-79aa-97f2502e193f; dumpxml test; dumpxml --inactive test; desc test; desc test --title")]
    [TestCase("net-list; net-list --name; net-info default; net-dumpxml default; pool-list; pool-list --all --details; pool-list --name; pool-info default-pool; pool-dumpxml default-pool")]
    [TestCase("hostname; uri; help dominfo; dominfo test --help; help net-list")]
    [TestCase("nodeinfo; nodecpustats; nodecpustats --cpu 3; nodecpustats --cpu -1; capabilities; help nodememstats; help domcapabilities")]
    [TestCase("metadata test http://example.org/app --key app --set '<a x=\"1\"><b>t</b><c/></a>'; metadata test http://example.org/app; dumpxml test; metadata test http://example.org/app --remove; metadata test http://example.org/app")]
    [TestCase("help setmem; help setmaxmem; help setvcpus; help vcpupin; help emulatorpin; help domblkstat; help domifstat; help dommemstat; help send-key")]
    [TestCase("domblklist test; domblklist test --details; domblklist test --inactive; domiflist test; domiflist test --inactive; destroy test; domblklist test; domiflist test; help domblklist; help domiflist")]
    public async Task Other_commands_are_byte_identical(string chain) => await AssertSameAsync(chain);

    [TestCase("dominfo nope")]
    [TestCase("net-info nope")]
    [TestCase("pool-info nope")]
    [TestCase("start test")]
    [TestCase("domid nope; domstate nope --reason; dumpxml nope; undefine nope; start nope; destroy 42; domname test; domuuid 6695eb01-f6a4-8304-79aa-97f2502e193f; domid 1")]
    [TestCase("net-dumpxml nope; metadata test http://example.org/none; define /nonexistent/domain.xml; list --table --name")]
    [TestCase("domblklist nope; domiflist nope; domblklist; domblklist test extra; domiflist test --details")]
    [TestCase("shutdown test --mode bogus; shutdown nope --mode bogus; reboot test --mode acpi,bogus; shutdown test --mode agent,x")]
    [TestCase("destroy test --remove-logs; destroy test --graceful --remove-logs; domstate test; help destroy")]
    [TestCase("vcpucount nope; vcpuinfo nope; vcpucount test --live --config; vcpucount test --current --config --maximum; vcpucount test --active --maximum; vcpucount test --guest --config; vcpucount nope --live --config; vcpuinfo test --bogus; help vcpucount; help vcpuinfo")]
    [TestCase("event --loop --timeout 1; event --all --event lifecycle --timeout 1; event --all --timeout 0; event --all --timeout x")]
    [TestCase("pool-event --list; pool-event; pool-event --event foo; pool-event --event refresh --timeout 1; pool-event --event lifecycle --timeout 0; help pool-event")]
    [TestCase("nodememstats; nodememstats --cell 0; domcapabilities; domcapabilities --machine pc; nodecpustats --cpu x")]
    [TestCase("suspend test; suspend test; resume test; resume test; destroy test; destroy test; shutdown test; reboot test; reset test; suspend test; resume test")]
    // Acted on by name without a lookup first (DomainLifecycleCommands.TryActByNameAsync): an unknown name still reads
    // as virsh's lookup failure, and a name that only looks like a UUID or an id still gets virsh's lookup.
    [TestCase("destroy nope; shutdown nope; reboot nope; reset nope; suspend nope; resume nope; destroy 'no pe'; destroy 6695eb01-f6a4-8304-79aa-97f2502e1930; destroy -1")]
    // start's refusals: no such domain (by name, by UUID, an id is no start argument) and an active one, running or
    // paused, which virsh refuses itself ("Domain is already active"), read-only too.
    [TestCase("start nope; start 'no pe'; start 6695eb01-f6a4-8304-79aa-97f2502e1930; start 1; suspend test; start test; destroy test; start test; start test")]
    [TestCase("vcpupin test --cpulist 0; vcpupin test 0 x; setmem test abc; setvcpus test 0 --config; send-key test KEY_BOGUS; send-key test --codeset foo 1; emulatorpin test --live --current; setmem test 1 --current --config; vcpupin nope")]
    [TestCase("undefine test --wipe-storage; undefine test --nvram --keep-nvram; undefine test --tpm --keep-tpm; undefine test --delete-storage-volume-snapshots; undefine test --storage vda; destroy test; undefine test --storage vda --remove-all-storage; undefine test --storage vdz,,x; undefine test --remove-all-storage; list --all; help undefine")]
    // domxml-to-native: the test driver has no native format (libvirt's neither), after the same option checks.
    [TestCase("domxml-to-native qemu-argv; domxml-to-native qemu-argv --domain test --xml /dev/null; domxml-to-native qemu-argv --domain nope; domxml-to-native qemu-argv --domain test; domxml-to-native qemu-argv --xml /dev/null; domxml-to-native qemu-argv /dev/null; domxml-to-native qemu-argv /nonexistent/domain.xml; help domxml-to-native")]
    [TestCase("domxml-to-native qemu-argv a b")]
    [TestCase("freecell; freecell --all; freecell --cellno 1; freecell 0; freecell --cellno 5; freecell --cellno -1; freecell --all --cellno 0; freecell --cellno x; help freecell")]
    public async Task Errors_are_byte_identical(string command) => await AssertSameAsync(command);

    [TestCase("bogus")]
    [TestCase("list --bogus")]
    [TestCase("list test")]
    [TestCase("list --all --all")]
    [TestCase("list --all=yes")]
    [TestCase("dominfo")]
    [TestCase("dominfo --domain")]
    [TestCase("dominfo --domain=")]
    [TestCase("dominfo test extra")]
    [TestCase("dominfo --domain a --domain b")]
    [TestCase("dominfo -- --x")]
    [TestCase("event --timeout")]
    [TestCase("metadata test")]
    public async Task Syntax_errors_are_byte_identical(string command) => await AssertSameAsync(command.Split(' '));

    // Read-only refusals name the libvirt entry point virsh called (virDomainDestroy, or virDomainDestroyFlags with --graceful).
    [TestCase("destroy test; destroy test --graceful; suspend test; resume test; shutdown test; reboot test; reset test; undefine test; autostart test; desc test hello; metadata test http://example.org/ --key e --set <a/>; start test")]
    // An unknown name on a read-only connection is virsh's lookup failure, which comes before the action's refusal.
    [TestCase("destroy nope; suspend nope; resume nope; shutdown nope; start nope")]
    public async Task Read_only_refusals_are_byte_identical(string chain) => await AssertSameRawAsync(["-r", "-c", TestUri, chain]);

    [TestCase("-x list")]
    [TestCase("--bogus list")]
    [TestCase("-c")]
    [TestCase("-q -c test:///default list --all")]
    [TestCase("-rq -c test:///default list")]
    [TestCase("--connect=test:///default list")]
    [TestCase("-ctest:///default list")]
    [TestCase("--conn test:///default -- list")]
    [TestCase("-q -c test:///default dominfo nope")]
    [TestCase("-q -c test:///default suspend test")]
    [TestCase("-e xy -c test:///default list")]
    [TestCase("-e ^1 -c test:///default list")]
    [TestCase("-e ^ -c test:///default list")]
    [TestCase("-e ^{ -c test:///default list")]
    [TestCase("-e é -c test:///default list")]
    [TestCase("-e ^a -e x -e ^^ -e ^_ -e ^@ --escape=^[ -c test:///default domid test")]
    [TestCase("-e x -e xy -k x -c test:///default list")]
    [TestCase("-k x -e xy -c test:///default list")]
    [TestCase("-k -1 -c test:///default list")]
    [TestCase("-k 08 -c test:///default list")]
    [TestCase("-k 0x -c test:///default list")]
    [TestCase("-k 99999999999 -c test:///default list")]
    [TestCase("-K 5x -c test:///default list")]
    [TestCase("-K -0x10 -c test:///default list")]
    [TestCase("-k 0x10 -K 010 -c test:///default domid test")]
    [TestCase("-k +5 -c test:///default domid test")]
    [TestCase("-K 0 -c test:///default domid test")]
    [TestCase("--keepalive-c=3 -c test:///default domid test")]
    [TestCase("-k 0 -c test:///default domid test")]
    [TestCase("-k 0 -K 3 -c test:///default domid test")]
    [TestCase("-c test:///default -k 5 connect")]
    [TestCase("-l /nonexistent/dir/vsh.log -c test:///default domid test")]
    [TestCase("-e xy -l /nonexistent/dir/vsh.log -c test:///default domid test")]
    [TestCase("-d 9 -l /nonexistent/dir/vsh.log -c test:///default domid test")]
    [TestCase("-t -c test:///default quit")]
    public async Task Global_options_are_byte_identical(string arguments) => await AssertSameRawAsync(arguments.Split(' '));

    // strtol's leading blanks (and nothing after the number).
    [TestCase("-k", " 5")]
    [TestCase("-k", "5 ")]
    [TestCase("-K", "")]
    public async Task Keepalive_values_are_read_as_virsh_reads_them(string option, string value) =>
        await AssertSameRawAsync([option, value, "-c", TestUri, "domid test"]);

    // -t prints each command's time where the blank line goes (with -q too); only the number differs.
    [TestCase("-t", "domid test; list --all; dominfo nope; help dominfo; pool-list; domstate test --reason")]
    [TestCase("-t -q", "domid test; list --all; dominfo nope; help dominfo; pool-list")]
    [TestCase("--timing -r", "destroy test; list")]
    public async Task Timing_lines_match_virshs_but_for_the_time(string options, string chain)
    {
        string[] arguments = [.. options.Split(' '), "-c", TestUri, chain];
        var (virsh, vsh) = (await VirshAsync(arguments), await VshAsync(arguments));
        static ProcessResult Untimed(ProcessResult r) => r with { Stdout = System.Text.RegularExpressions.Regex.Replace(r.Stdout, @"\(Time: \d+\.\d{3} ms\)", "(Time: N ms)") };
        Assert.That(Untimed(vsh), Is.EqualTo(Untimed(virsh)), $"virsh:\n{virsh}\nvsh:\n{vsh}");
        Assert.That(vsh.Stdout, Does.Contain("(Time: "));
    }

    [Test]
    public async Task Timing_follows_each_command_of_the_interactive_shell()
    {
        var input = "domid test\nlist\nquit\n";
        string[] arguments = ["-t", "-c", TestUri];
        var (virsh, vsh) = (await RunAsync(Virsh, arguments, input), await RunAsync(Vsh, arguments, input));
        static string Untimed(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\(Time: \d+\.\d{3} ms\)", "(Time: N ms)");
        Assert.That(Untimed(vsh.Stdout), Is.EqualTo(Untimed(virsh.Stdout).Replace("virsh", "vsh", StringComparison.Ordinal)));
        Assert.That(vsh.Stdout, Does.Contain("(Time: "));
    }

    // -l appends "[date time PROGRAM pid] LEVEL message" lines: the errors reported once it was opened (so an -l
    // before a bad option logs it, one after does not), and the debug lines -d lets through.
    [TestCase("-l {log}", "domid test; domstate nope; dominfo nope")]
    [TestCase("-l {log} -l {log}", "domid test; domstate nope")]
    [TestCase("-d 9 -l {log}", "domid test")]
    [TestCase("-l {log} -d 9", "domid test")]
    [TestCase("-l {log} -e xy", "domid test")]
    [TestCase("-l {log} -k x", "domid test")]
    [TestCase("-l {log} -x", "domid test")]
    [TestCase("-l {log} -k 5", "domid test")]
    [TestCase("-l {log}", "bogus")]
    public async Task The_log_file_gets_virshs_lines(string options, string chain)
    {
        var directory = Directory.CreateTempSubdirectory("vsh-log-").FullName;
        try
        {
            var virshLog = Path.Combine(directory, "virsh.log");
            var vshLog = Path.Combine(directory, "vsh.log");
            string[] Arguments(string log) => [.. options.Replace("{log}", log, StringComparison.Ordinal).Split(' '), "-c", TestUri, chain];
            var virsh = await VirshAsync(Arguments(virshLog));
            var vsh = await VshAsync(Arguments(vshLog));
            static string Lines(string path, string program) => System.Text.RegularExpressions.Regex.Replace(
                File.ReadAllText(path), $@"(?m)^\[\d{{4}}\.\d\d\.\d\d \d\d:\d\d:\d\d {program} \d+\] ", "[T P] ");
            Assert.Multiple(() =>
            {
                Assert.That(vsh, Is.EqualTo(virsh));
                Assert.That(File.Exists(vshLog), Is.EqualTo(File.Exists(virshLog)));
                if (File.Exists(virshLog))
                {
                    Assert.That(Lines(vshLog, "vsh"), Is.EqualTo(Lines(virshLog, "virsh")));
                    Assert.That(Convert.ToString((int)File.GetUnixFileMode(vshLog), 8), Is.EqualTo("644"));
                }
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCase("suspend test; list --all; resume test; list")]
    [TestCase("suspend 1; resume 6695eb01-f6a4-8304-79aa-97f2502e193f; autostart 1; autostart 1 --disable; reboot 1; reset 1; shutdown 1; start test; destroy 1; undefine test; list --all")]
    [TestCase("destroy test --graceful; domstate test --reason; dominfo test; list --all")]
    [TestCase("desc test --title --new-desc hello; desc test --title; list --title; desc test a b; desc test --live --config")]
    [TestCase("dominfo nope; list")]
    [TestCase("list; dominfo nope")]
    [TestCase("list; bogus")]
    [TestCase("domid 'test'; domid \"te\"st; domid te\\st")]
    [TestCase("domid \"test")]
    [TestCase("domid test\\")]
    [TestCase("  ;  ; domid test ;")]
    [TestCase("list --all # a comment; domid test")]
    [TestCase("domid test; quit; domid test")]
    [TestCase("echo a; echo b c; uri")]
    [TestCase("destroy test; connect; list --all")]
    [TestCase("event --all --loop --timeout 1")]
    public async Task Chains_in_one_argument_are_byte_identical(string chain) => await AssertSameAsync(chain);

    [Test]
    public async Task Define_start_list_in_one_process_is_byte_identical()
    {
        var file = WriteFile("parity-x.xml", DomainXml("x"));
        await AssertSameAsync($"define {file}; start x; list --all; domstate x --reason; suspend x; list --all; resume x; destroy x; undefine x; list --all");
    }

    [Test]
    public async Task Create_destroy_of_a_transient_domain_is_byte_identical()
    {
        var file = WriteFile("parity-t.xml", DomainXml("t"));
        await AssertSameAsync($"create {file}; list --all; domstate t --reason; domid t; destroy t; list --all");
    }

    [TestCase("list\ndominfo nope\nquit\n", "-c", TestUri)]
    [TestCase("domid test\n# comment\ndomid test #c\n\n   \n", "-c", TestUri)]
    [TestCase("bogus\nlist --bogus\ndestroy test; list --all\nexit\n", "-c", TestUri)]
    [TestCase("domid test\n", "-q", "-c", TestUri)]
    [TestCase("list\n", "-r", "-c", TestUri)]
    [TestCase("", "-c", TestUri)]
    public async Task Interactive_shell_transcript_matches_virsh_with_its_name(string input, params string[] arguments)
    {
        var virsh = await RunAsync(Virsh, arguments, input);
        var vsh = await RunAsync(Vsh, arguments, input);
        // The banner and prompt carry the program's name: "Welcome to virsh" / "virsh # ".
        var expected = virsh with { Stdout = virsh.Stdout.Replace("virsh", "vsh", StringComparison.Ordinal) };
        Assert.That(vsh, Is.EqualTo(expected), $"virsh:\n{virsh}\nvsh:\n{vsh}");
    }

    [Test]
    public async Task Dominfo_of_an_inactive_domain_is_byte_identical() => await AssertSameAsync("destroy test; dominfo test");

    private static Task AssertSameAsync(string chain) => AssertSameRawAsync(["-c", TestUri, chain]);

    private static Task AssertSameAsync(string[] command) => AssertSameRawAsync(["-c", TestUri, .. command]);

    private static async Task AssertSameRawAsync(string[] arguments)
    {
        var virshTask = VirshAsync(arguments);
        var vshTask = VshAsync(arguments);
        var (virsh, vsh) = (await virshTask, await vshTask);
        Assert.That(WithoutCpuTime(vsh), Is.EqualTo(WithoutCpuTime(virsh)), $"virsh:\n{virsh}\nvsh:\n{vsh}");
    }

    // The test driver reports the wall clock as a running domain's CPU time (libvirt's testDomainGetInfo does), which
    // no two processes share to the tenth of a second: compare that line's shape, not its number.
    private static ProcessResult WithoutCpuTime(ProcessResult result) => result with
    {
        Stdout = System.Text.RegularExpressions.Regex.Replace(result.Stdout, @"(?m)^CPU time:( +)\d+\.\ds$", "CPU time:$1N.Ns"),
    };
}
