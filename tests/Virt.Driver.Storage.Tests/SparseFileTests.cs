namespace Virt.Driver.Storage.Tests;

/// <summary>The extent walk and hole making behind --sparse, on temporary files.</summary>
public sealed class SparseFileTests
{
    private const int MiB = 1024 * 1024;

    [Test]
    public async Task Extents_are_the_data_and_holes_of_the_range_in_order_and_without_gaps()
    {
        var path = Path.GetTempFileName();
        try
        {
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
            {
                file.Position = MiB;
                await file.WriteAsync(new byte[] { 1, 2, 3 });
                file.SetLength(4 * MiB);
            }
            using var handle = File.OpenHandle(path);
            var all = SparseFile.Extents(handle, 0, 4 * MiB).ToList();
            var cut = SparseFile.Extents(handle, MiB + 1, 2 * MiB).ToList();

            // The data extent is the filesystem's block around the three bytes.
            Assert.That(all.Select(e => e.IsHole), Is.EqualTo(new[] { true, false, true }));
            Assert.That(all[0].Offset, Is.Zero);
            Assert.That(all[1].Offset, Is.LessThanOrEqualTo(MiB));
            Assert.That(all[1].Offset + all[1].Length, Is.GreaterThanOrEqualTo(MiB + 3));
            Assert.That(all.Zip(all.Skip(1)).All(p => p.First.Offset + p.First.Length == p.Second.Offset), Is.True, "no gaps");
            Assert.That(all[^1].Offset + all[^1].Length, Is.EqualTo(4 * MiB));
            Assert.That(cut[0], Is.EqualTo(new SparseFile.Extent(MiB + 1, all[1].Offset + all[1].Length - (MiB + 1), false)));
            Assert.That(cut[^1].Offset + cut[^1].Length, Is.EqualTo(2 * MiB));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task A_hole_made_in_data_reads_as_zeroes_and_a_short_file_grows_to_its_end()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, Enumerable.Repeat((byte)7, 2 * MiB).ToArray());
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                SparseFile.MakeHole(handle, 4096, MiB);
                SparseFile.EnsureLength(handle, 3 * MiB);
                SparseFile.EnsureLength(handle, MiB);
            }
            var bytes = await File.ReadAllBytesAsync(path);
            Assert.That(bytes, Has.Length.EqualTo(3 * MiB), "grown, never shrunk");
            Assert.That(bytes.AsSpan(0, 4096).IndexOfAnyExcept((byte)7), Is.EqualTo(-1));
            Assert.That(bytes.AsSpan(4096, MiB).IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
            Assert.That(bytes.AsSpan(4096 + MiB, MiB - 4096).IndexOfAnyExcept((byte)7), Is.EqualTo(-1));
            Assert.That(bytes.AsSpan(2 * MiB).IndexOfAnyExcept((byte)0), Is.EqualTo(-1));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
