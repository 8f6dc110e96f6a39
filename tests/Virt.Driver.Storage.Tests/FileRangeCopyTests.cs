namespace Virt.Driver.Storage.Tests;

/// <summary><see cref="FileRangeCopy"/> (the local fast path's copy) on temporary files: a cancel (CancelJob, the call's end) lands between chunks.</summary>
public sealed class FileRangeCopyTests
{
    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(120_000)]
    public async Task A_cancel_after_a_chunk_stops_the_copy_before_the_next_one(bool sparse, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("virt-copy-").FullName;
        try
        {
            // Two chunks and a bit, data at both ends so the sparse walk copies through the first chunk too.
            var length = FileRangeCopy.ChunkBytes + (1 << 20);
            var source = Path.Combine(directory, "source");
            using (var writer = File.OpenHandle(source, FileMode.CreateNew, FileAccess.Write))
            {
                RandomAccess.Write(writer, new byte[FileRangeCopy.ChunkBytes], 0);
                RandomAccess.Write(writer, new byte[] { 1, 2, 3 }, length - 3);
            }
            using var from = File.OpenHandle(source);
            using var to = File.OpenHandle(Path.Combine(directory, "target"), FileMode.CreateNew, FileAccess.Write);
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var reports = new List<ulong>();

            var copy = FileRangeCopy.CopyAsync(from, 0, to, 0, (ulong)length, sparse, copied =>
            {
                reports.Add(copied);
                cancel.Cancel();
            }, cancel.Token);

            Assert.That(async () => await copy, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(reports, Is.EqualTo(new[] { (ulong)FileRangeCopy.ChunkBytes }), "one chunk, then the cancel");
            Assert.That(RandomAccess.GetLength(to), Is.EqualTo(FileRangeCopy.ChunkBytes), "nothing of the second chunk");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
