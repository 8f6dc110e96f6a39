using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Store.Tests;

public sealed partial class DefinitionStoreTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Path.Combine(Directory.CreateTempSubdirectory("virt-store-").FullName, "defs");

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    [Test]
    public async Task Saved_documents_are_replaced_whole_listed_and_deleted()
    {
        var store = new DefinitionStore(_directory);

        await store.SaveAsync("web1", "<domain>v1</domain>", CancellationToken.None);
        await store.SaveAsync("web1", "<domain>v2</domain>", CancellationToken.None);
        await store.SaveAsync("db1", "<domain>db</domain>", CancellationToken.None);
        await store.DeleteAsync("nosuch", CancellationToken.None);
        var all = await store.LoadAllAsync(CancellationToken.None);
        await store.DeleteAsync("db1", CancellationToken.None);

        Assert.That(all, Is.EqualTo(new[] { ("db1", "<domain>db</domain>"), ("web1", "<domain>v2</domain>") }));
        Assert.That(await store.TryLoadAsync("db1", CancellationToken.None), Is.Null);
        Assert.That(File.GetUnixFileMode(Path.Combine(_directory, "web1.xml")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(_directory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public async Task The_synchronous_save_replaces_whole_documents_too()
    {
        var store = new DefinitionStore(_directory);

        store.Save("sequence", "1");
        store.Save("sequence", "2");

        Assert.That(await store.TryLoadAsync("sequence", CancellationToken.None), Is.EqualTo("2"));
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { "sequence.xml" }));
        Assert.Throws<ArgumentException>(() => store.Save("../escape", "x"));
    }

    [TestCase("../escape")]
    [TestCase("a/b")]
    [TestCase(".hidden")]
    [TestCase("nul\0byte")]
    [TestCase("x.tmp-123")]
    public void Names_that_could_escape_or_collide_with_temporary_files_are_refused(string name)
    {
        var store = new DefinitionStore(_directory);

        var ex = Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveAsync(name, "x", CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("cannot be stored"));
        Assert.That(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_directory)!, "*", SearchOption.AllDirectories).Where(File.Exists), Is.Empty);
    }

    [Test]
    public async Task Leftovers_of_a_killed_save_are_ignored_and_removed()
    {
        var store = new DefinitionStore(_directory);
        await store.SaveAsync("web1", "<domain>whole</domain>", CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(_directory, "web1.xml.tmp-0123456789ab"), "<domain>to");

        var all = await store.LoadAllAsync(CancellationToken.None);

        Assert.That(all, Is.EqualTo(new[] { ("web1", "<domain>whole</domain>") }));
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { "web1.xml" }));
    }

    [TestCase(false, 32)]
    [TestCase(true, 600)]
    public async Task Concurrent_saves_of_distinct_documents_all_land(bool journaled, int count)
    {
        // Journaled: more saves than one checkpoint holds, from many threads at once, so saves wait on each other's
        // flushes and on checkpoints; the reopened store replays nothing it should not.
        var store = new DefinitionStore(_directory, journaled: journaled);

        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => store.SaveAsync($"vm{i}", $"<domain>{i}</domain>", CancellationToken.None))));
        await Task.WhenAll(Enumerable.Range(0, count / 2).Select(i => Task.Run(() => store.DeleteAsync($"vm{2 * i}", CancellationToken.None))));
        var expected = Enumerable.Range(0, count).Where(i => i % 2 == 1).Select(i => ($"vm{i}", $"<domain>{i}</domain>"));

        Assert.That(await store.LoadAllAsync(CancellationToken.None), Is.EquivalentTo(expected));
        store.Dispose();
        Assert.That(await new DefinitionStore(_directory, journaled: journaled).LoadAllAsync(CancellationToken.None), Is.EquivalentTo(expected));
    }

    [Test]
    public async Task A_journaled_store_keeps_saves_and_deletes_across_checkpoints_and_reopening()
    {
        var store = new DefinitionStore(_directory, journaled: true);
        var count = DefinitionStore.CheckpointEvery * 2 + 10;

        for (var i = 0; i < count; i++)
        {
            await store.SaveAsync($"vm{i}", $"<domain>{i}</domain>", CancellationToken.None);
        }
        await store.SaveAsync("vm0", "<domain>again</domain>", CancellationToken.None);
        await store.DeleteAsync("vm1", CancellationToken.None);
        var reopened = await new DefinitionStore(_directory, journaled: true).LoadAllAsync(CancellationToken.None);

        Assert.That(store.JournalPath, Is.EqualTo(_directory + ".journal"));
        Assert.That(reopened, Has.Count.EqualTo(count - 1));
        Assert.That(reopened, Does.Contain(("vm0", "<domain>again</domain>")));
        Assert.That(reopened.Select(d => d.Name), Does.Not.Contain("vm1"));
        Assert.That(Directory.GetFiles(_directory).Where(f => !f.EndsWith(".xml", StringComparison.Ordinal)), Is.Empty);
        Assert.That(File.GetUnixFileMode(store.JournalPath!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public async Task Opening_a_journaled_store_restores_files_the_journal_holds_newer_than_the_disk()
    {
        var store = new DefinitionStore(_directory, journaled: true);
        await store.SaveAsync("web1", "<domain>acknowledged</domain>", CancellationToken.None);
        await store.SaveAsync("db1", "<domain>gone</domain>", CancellationToken.None);
        await store.DeleteAsync("db1", CancellationToken.None);
        // What a power cut could leave of changes the journal made durable but the files had not yet: an empty
        // renamed file, and a deleted one back.
        await File.WriteAllTextAsync(Path.Combine(_directory, "web1.xml"), "");
        await File.WriteAllTextAsync(Path.Combine(_directory, "db1.xml"), "<domain>gone</domain>");

        var reopened = await new DefinitionStore(_directory, journaled: true).LoadAllAsync(CancellationToken.None);

        Assert.That(reopened, Is.EqualTo(new[] { ("web1", "<domain>acknowledged</domain>") }));
    }

    [Test]
    public async Task A_torn_record_at_the_journal_end_is_ignored()
    {
        var store = new DefinitionStore(_directory, journaled: true);
        await store.SaveAsync("web1", "<domain>v1</domain>", CancellationToken.None);
        // The next record (a save of web1 as v2, sequence 2) with the checksum of other content, as a crash mid-write
        // leaves it: it and anything after it were never acknowledged, so web1 stays v1.
        var bytes = File.ReadAllBytes(store.JournalPath!);
        const int StartRecordSize = 31 + 16;
        var first = bytes.AsSpan(StartRecordSize, 31 + 4 + "<domain>v1</domain>".Length + 16).ToArray();
        var torn = first.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(torn.AsSpan(16), 2);
        torn[31 + 4 + "<domain>v".Length] = (byte)'2';
        await using (var journal = new FileStream(store.JournalPath!, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            journal.Position = StartRecordSize + first.Length;
            journal.Write(torn);
        }
        File.Delete(Path.Combine(_directory, "web1.xml"));

        var reopened = await new DefinitionStore(_directory, journaled: true).LoadAllAsync(CancellationToken.None);

        Assert.That(reopened, Is.EqualTo(new[] { ("web1", "<domain>v1</domain>") }));
    }

    [Test]
    public async Task A_journal_left_by_an_older_virtd_with_sha256_checksums_replays()
    {
        // The VJR1 format: the same records with the first 16 bytes of a SHA-256 as checksum. A start record and one
        // acknowledged save whose file never reached the disk, as a virtd before the XXH128 format could leave them.
        Directory.CreateDirectory(_directory);
        var journal = new byte[1 << 20];
        var start = Vjr1Record(generation: 7, sequence: 0, kind: 0, "", "");
        var save = Vjr1Record(generation: 7, sequence: 1, kind: 1, "web1", "<domain>from the old journal</domain>");
        start.CopyTo(journal, 0);
        save.CopyTo(journal, start.Length);
        await File.WriteAllBytesAsync(_directory + ".journal", journal);

        var reopened = await new DefinitionStore(_directory, journaled: true).LoadAllAsync(CancellationToken.None);

        Assert.That(reopened, Is.EqualTo(new[] { ("web1", "<domain>from the old journal</domain>") }));
    }

    private static byte[] Vjr1Record(ulong generation, ulong sequence, byte kind, string name, string content)
    {
        var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
        var contentBytes = System.Text.Encoding.UTF8.GetBytes(content);
        var record = new byte[31 + nameBytes.Length + contentBytes.Length + 16];
        var span = record.AsSpan();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span, 0x3152_4A56);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[4..], record.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span[8..], generation);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span[16..], sequence);
        span[24] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(span[25..], (ushort)nameBytes.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[27..], contentBytes.Length);
        nameBytes.CopyTo(span[31..]);
        contentBytes.CopyTo(span[(31 + nameBytes.Length)..]);
        System.Security.Cryptography.SHA256.HashData(span[..^16]).AsSpan(0, 16).CopyTo(span[^16..]);
        return record;
    }

    [TestCase(false, 4 << 20)]
    [TestCase(true, 256 << 10)]
    [CancelAfter(120_000)]
    public async Task A_writer_killed_mid_storm_leaves_every_acknowledged_document_whole_and_no_older(bool journaled, int padding, CancellationToken cancellationToken)
    {
        var writer = Path.Combine(RepoPaths.Root, "tests", "Virt.Store.CrashWriter", "bin",
            AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "Virt.Store.CrashWriter");
        var acknowledged = new Dictionary<string, int>();
        for (var round = 0; round < 8; round++)
        {
            var start = new ProcessStartInfo(writer) { ArgumentList = { _directory }, RedirectStandardOutput = true, UseShellExecute = false };
            if (journaled)
            {
                start.ArgumentList.Add("journaled");
                start.ArgumentList.Add(padding.ToString(CultureInfo.InvariantCulture));
            }
            using var process = Process.Start(start)!;
            // Kill the moment a save begins: the most dangerous instant, when a non-atomic save would be half done.
            var killAtBegin = 5 + (round * 7);
            var begins = 0;
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("BEGIN ", StringComparison.Ordinal))
                {
                    if (++begins == killAtBegin)
                    {
                        // SIGKILL: no chance to clean up, as when a daemon is killed mid-save.
                        process.Kill();
                        break;
                    }
                    continue;
                }
                var ack = AckPattern().Match(line);
                acknowledged[ack.Groups[1].Value] = int.Parse(ack.Groups[2].Value, CultureInfo.InvariantCulture);
            }
            await process.WaitForExitAsync(cancellationToken);

            // A journaled store replays its journal when opened, as virtd does at start.
            var documents = (await new DefinitionStore(_directory, journaled: journaled).LoadAllAsync(cancellationToken)).ToDictionary(d => d.Name, d => d.Content);
            Assert.That(acknowledged, Is.Not.Empty, "the writer acknowledged nothing");
            foreach (var (name, generation) in acknowledged)
            {
                Assert.That(documents.ContainsKey(name), Is.True, $"{name} was acknowledged and then lost");
                var match = DocumentPattern().Match(documents[name]);
                Assert.That(match.Success && match.Groups[1].Value == match.Groups[3].Value && match.Groups[2].Length == padding, Is.True, $"{name} is torn:\n{documents[name][..Math.Min(200, documents[name].Length)]}");
                Assert.That(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(generation), $"{name} went back to an older generation");
            }
        }
    }

    [GeneratedRegex(@"^ACK (\S+) (\d+)$")]
    private static partial Regex AckPattern();

    [GeneratedRegex(@"^<domain generation='(\d+)'>\n<pad>(x+)</pad>\n</domain>\n(\d+)\n$")]
    private static partial Regex DocumentPattern();
}
