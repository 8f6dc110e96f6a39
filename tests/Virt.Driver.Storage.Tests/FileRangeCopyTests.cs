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

    [Test]
    [CancelAfter(120_000)]
    public async Task A_plain_copy_zeroes_the_sources_holes_over_old_bytes_and_leaves_them_allocated(CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("virt-copy-").FullName;
        try
        {
            const int MiB = 1 << 20;
            var length = 24 * MiB + 100;
            var source = Path.Combine(directory, "source");
            var data = Enumerable.Range(0, MiB).Select(i => (byte)(i * 13 + 1)).ToArray();
            using (var writer = File.OpenHandle(source, FileMode.CreateNew, FileAccess.Write))
            {
                // Holes at the start, between the runs and at the end (the target must still cover them).
                RandomAccess.SetLength(writer, length);
                RandomAccess.Write(writer, data, 4 * MiB);
                RandomAccess.Write(writer, data, 12 * MiB + 512);
            }
            // The target already holds other bytes everywhere, as a volume being uploaded over does.
            var target = Path.Combine(directory, "target");
            await File.WriteAllBytesAsync(target, Enumerable.Repeat((byte)0xa5, length).ToArray(), ct);
            using var from = File.OpenHandle(source);
            using var to = File.OpenHandle(target, FileMode.Open, FileAccess.Write);

            var outcome = await FileRangeCopy.CopyAsync(from, 0, to, 0, (ulong)length, sparse: false, null, ct);
            to.Dispose();

            Assert.That(outcome.Copied, Is.EqualTo((ulong)length));
            Assert.That(await File.ReadAllBytesAsync(target, ct), Is.EqualTo(await File.ReadAllBytesAsync(source, ct)));
            var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b", target]) { RedirectStandardOutput = true })!;
            var blocks = long.Parse((await stat.StandardOutput.ReadToEndAsync(ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await stat.WaitForExitAsync(ct);
            Assert.That(blocks * 512, Is.GreaterThanOrEqualTo(length - 4096), "a plain copy allocates the holes, as writing zeroes would");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
