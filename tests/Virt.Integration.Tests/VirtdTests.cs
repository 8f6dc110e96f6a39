using Grpc.Core;
using Grpc.Health.V1;
using Virt.Protocol.V1;
using Virt.Rpc.Client;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>virtd as a real process: its sockets, the API through both, one instance per run directory, SIGTERM.</summary>
public sealed class VirtdTests
{
    [Test]
    public async Task Serves_health_and_host_version_on_both_sockets_with_the_right_permissions()
    {
        await using var virtd = await VirtdProcess.StartAsync();

        Assert.That(File.GetUnixFileMode(virtd.AdminSocket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(virtd.ReadOnlySocket) & UnixFileMode.OtherWrite, Is.EqualTo(UnixFileMode.OtherWrite));
        var qemuVersion = QemuVersionFromBinary();
        foreach (var socket in new[] { virtd.AdminSocket, virtd.ReadOnlySocket })
        {
            using var channel = RpcChannel.ForUnixSocket(socket);
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "virt.v1.HostService" });
            var version = await new HostService.HostServiceClient(channel).GetVersionAsync(new GetVersionRequest());

            Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving), socket);
            Assert.That(version.HypervisorType, Is.EqualTo("QEMU"));
            Assert.That(version.HypervisorVersion, Is.EqualTo(qemuVersion), "the version QEMU itself reports");
            Assert.That(version.ApiVersion, Is.EqualTo("virt.v1"));
        }
    }

    [Test]
    public async Task Methods_of_later_issues_answer_unimplemented_rather_than_pretending()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(virtd.AdminSocket);

        var ex = Assert.ThrowsAsync<RpcException>(async () => await new NetworkService.NetworkServiceClient(channel).GetDhcpLeasesAsync(new GetDhcpLeasesRequest { Network = new NetworkRef { Name = "default" } }));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Logs_one_line_per_event_as_text_or_json_with_each_call_audited(CancellationToken ct)
    {
        // README's formats (Microsoft.Extensions.Logging.Console's): the single-line text, and JSON whose State
        // carries the structured values, for log shippers to rely on.
        foreach (var json in new[] { false, true })
        {
            await using var virtd = await VirtdProcess.StartAsync(null, json ? ["--log-format", "json"] : []);
            using var channel = RpcChannel.ForUnixSocket(virtd.AdminSocket);
            var defined = await new DomainService.DomainServiceClient(channel).DefineDomainAsync(new DefineDomainRequest { Xml = """
                <domain type='qemu'><name>logged</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>
                """ }, cancellationToken: ct);
            var audit = await virtd.Log.WaitForLineAsync(l => l.Contains("DefineDomain", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
            var lines = virtd.Log.Snapshot();
            if (!json)
            {
                Assert.That(lines[0], Does.Match(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info: virtd\[100\] virtd \S+ starting: state "));
                Assert.That(audit.Text, Does.Match(@"^\S+ \S+ info: virtd\[110\] call virt\.v1\.DomainService/DefineDomain OK via unix:\S+ by pid=\d+ uid=\d+ gid=\d+$"));
                continue;
            }
            Assert.That(lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("Category").GetString()), Has.All.Not.Empty, "every line is one JSON object");
            var call = System.Text.Json.JsonDocument.Parse(audit.Text).RootElement;
            Assert.That(call.GetProperty("Timestamp").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
            Assert.That((call.GetProperty("EventId").GetInt32(), call.GetProperty("LogLevel").GetString(), call.GetProperty("Category").GetString()), Is.EqualTo((110, "Information", "virtd")));
            Assert.That(call.GetProperty("Message").GetString(), Does.StartWith("call virt.v1.DomainService/DefineDomain OK via unix:"));
            var state = call.GetProperty("State");
            Assert.That(state.GetProperty("Method").GetString(), Is.EqualTo("virt.v1.DomainService/DefineDomain"));
            Assert.That(state.GetProperty("Outcome").GetString(), Is.EqualTo("OK"));
            Assert.That(state.GetProperty("Pid").GetInt32(), Is.EqualTo(Environment.ProcessId));
            Assert.That(state.GetProperty("{OriginalFormat}").GetString(), Does.StartWith("call {Method} {Outcome}"));
            Assert.That(defined.Domain.Name, Is.EqualTo("logged"));
        }
    }

    [Test]
    public async Task A_second_virtd_on_the_same_run_directory_refuses_to_start_and_names_the_first()
    {
        await using var first = await VirtdProcess.StartAsync();
        await using var second = VirtdProcess.Launch(first.StateDir, ownsStateDir: false);

        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(second.Log.Snapshot(), Has.Some.Contains($"another virtd (pid {first.Pid}) is already using run directory"));
        using var channel = RpcChannel.ForUnixSocket(first.AdminSocket);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving), "the first virtd must keep serving");
    }

    [Test]
    public async Task Sigterm_stops_virtd_cleanly_and_removes_its_sockets()
    {
        var virtd = await VirtdProcess.StartAsync();
        try
        {
            var exitCode = await virtd.StopAsync("TERM", TimeSpan.FromSeconds(10));

            Assert.That(exitCode, Is.Zero);
            Assert.That(virtd.Log.Snapshot(), Has.Some.Contains("virtd stopped"));
            Assert.That(File.Exists(virtd.AdminSocket), Is.False);
            Assert.That(File.Exists(virtd.ReadOnlySocket), Is.False);
        }
        finally
        {
            await virtd.DisposeAsync();
        }
    }

    private static string QemuVersionFromBinary()
    {
        using var qemu = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("qemu-system-x86_64", "--version") { RedirectStandardOutput = true })!;
        var firstLine = qemu.StandardOutput.ReadLine() ?? "";
        qemu.WaitForExit();
        // "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
        return firstLine.Split(' ')[3];
    }
}
