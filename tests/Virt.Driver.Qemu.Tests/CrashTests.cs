using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Virt.Driver.Qemu.Tests;

public sealed partial class CrashTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task A_driver_killed_mid_define_storm_keeps_every_acknowledged_definition_whole_and_no_older(CancellationToken cancellationToken)
    {
        var state = Directory.CreateTempSubdirectory("virt-qemu-crash-").FullName;
        try
        {
            var acknowledged = new Dictionary<string, int>();
            for (var round = 0; round < 6; round++)
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
                start.ArgumentList.Add(typeof(CrashWriter).Assembly.Location);
                start.ArgumentList.Add("crash-writer");
                start.ArgumentList.Add(state);
                using var process = Process.Start(start)!;
                // Kill the moment a define begins: four writers are mid-save at any instant, one of them just starting.
                var killAtBegin = 6 + (round * 9);
                var begins = 0;
                while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.StartsWith("BEGIN ", StringComparison.Ordinal))
                    {
                        if (++begins == killAtBegin)
                        {
                            process.Kill();
                            break;
                        }
                        continue;
                    }
                    var ack = AckPattern().Match(line);
                    Assert.That(ack.Success, Is.True, line);
                    acknowledged[ack.Groups[1].Value] = int.Parse(ack.Groups[2].Value, CultureInfo.InvariantCulture);
                }
                await process.WaitForExitAsync(cancellationToken);

                var log = new ListLogger();
                var driver = await QemuDomainDriver.OpenAsync(new QemuDriverOptions { StateDirectory = state, HostCpus = 1 }, new EventLog(), log, cancellationToken);
                var domains = (await driver.ListDomainsAsync(DomainListFilter.All, cancellationToken)).ToDictionary(d => d.Name);
                Assert.That(acknowledged, Is.Not.Empty, "the writer acknowledged nothing");
                Assert.That(Directory.Exists(Path.Combine(state, "qemu", "quarantine")), Is.False, "a file did not load: " + string.Join('\n', log.Lines));
                Assert.That(Directory.GetFiles(Path.Combine(state, "qemu", "domains")).Where(f => !f.EndsWith(".xml", StringComparison.Ordinal)), Is.Empty, "temporary files were left");
                foreach (var (name, generation) in acknowledged)
                {
                    Assert.That(domains.ContainsKey(name), Is.True, $"{name} was acknowledged and then lost");
                    var match = DescriptionPattern().Match(domains[name].Definition.Description ?? "");
                    Assert.That(match.Success && match.Groups[1].Value == match.Groups[2].Value, Is.True, $"{name} is torn");
                    Assert.That(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(generation), $"{name} went back to an older generation");
                }
                // The next round's writer picks new UUIDs for the same names, so it starts from an empty store.
                foreach (var name in domains.Keys)
                {
                    await driver.UndefineDomainAsync(DomainRef.ByName(name), cancellationToken);
                }
                acknowledged.Clear();
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [GeneratedRegex(@"^ACK (\S+) (\d+)$")]
    private static partial Regex AckPattern();

    [GeneratedRegex(@"^generation (\d+) x+ (\d+)$")]
    private static partial Regex DescriptionPattern();
}
