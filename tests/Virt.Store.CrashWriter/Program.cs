using System.Globalization;
using Virt.Store;

// Each document is padded to 4 MiB: Linux stops a long write between pages when SIGKILL arrives, so a save that
// is not atomic would leave a torn document, and "BEGIN" lines let the test aim its SIGKILL inside a save; its last line repeats the
// generation, so a torn or mixed document fails the reader's check.
// Arguments: DIRECTORY [journaled PADDING]: a journaled store, with documents small enough for its journal (which is
// then replayed and checkpointed by every restart, and started over every few saves).
var journaled = args.Length > 1 && args[1] == "journaled";
var store = new DefinitionStore(args[0], journaled: journaled);
var names = Enumerable.Range(0, 8).Select(i => $"domain{i}").ToArray();
var padding = new string('x', journaled ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4 << 20);
for (var generation = 1; ; generation++)
{
    foreach (var name in names)
    {
        var g = generation.ToString(CultureInfo.InvariantCulture);
        // Announced first, so the test can kill while this save is in progress.
        Console.WriteLine($"BEGIN {name} {g}");
        await store.SaveAsync(name, $"<domain generation='{g}'>\n<pad>{padding}</pad>\n</domain>\n{g}\n", CancellationToken.None);
        Console.WriteLine($"ACK {name} {g}");
    }
}
