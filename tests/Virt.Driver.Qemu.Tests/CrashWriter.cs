using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// The process the crash test SIGKILLs: four writers define domains through a real <see cref="QemuDomainDriver"/> in a
/// loop, each definition padded to ~600 KB so a save takes long enough to be hit, and print "BEGIN name generation"
/// before and "ACK name generation" after each define returns. The test host never calls this Main.
/// </summary>
internal static class CrashWriter
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["crash-writer", var stateDirectory])
        {
            await Console.Error.WriteLineAsync("usage: dotnet Virt.Driver.Qemu.Tests.dll crash-writer STATE-DIR");
            return 2;
        }
        var driver = await QemuDomainDriver.OpenAsync(new QemuDriverOptions { StateDirectory = stateDirectory, HostCpus = 1 }, new EventLog(), NullLogger.Instance, CancellationToken.None);
        var padding = new string('x', 600_000);
        var output = TextWriter.Synchronized(Console.Out);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            var uuids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
            for (var generation = 1; ; generation++)
            {
                for (var i = 0; i < uuids.Length; i++)
                {
                    var name = $"w{writer}d{i}";
                    var g = generation.ToString(CultureInfo.InvariantCulture);
                    output.WriteLine($"BEGIN {name} {g}");
                    await driver.DefineDomainAsync(TestSupport.DomainXml(name, uuids[i], description: $"generation {g} {padding} {g}"), CancellationToken.None);
                    output.WriteLine($"ACK {name} {g}");
                }
            }
        })));
        return 0;
    }
}
