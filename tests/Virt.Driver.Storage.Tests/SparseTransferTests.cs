using Grpc.Core;
using Virt.Client;
using Virt.Protocol.V1;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// vol-upload/vol-download --sparse through a real virtd and vsh, on the local fast path and streamed: a 64 MiB file
/// with 4 MiB of data keeps its bytes and its holes both ways (the volume and the downloaded file allocate about the
/// data, not 64 MiB), with offsets and lengths too; holes the upload may not send are typed errors.
/// </summary>
public sealed class SparseTransferTests
{
    private const int MiB = 1024 * 1024;

    private static readonly Dictionary<string, string> _stream = new() { [VirtConnection.VolumeTransferVariable] = "stream" };

    // Data at the start, unaligned in the middle, and before a hole that runs to the end (the download's file must grow to it).
    private static readonly (long Offset, int Length)[] _data = [(0, MiB), (20L * MiB + 4096, 2 * MiB - 4096), (40L * MiB, MiB + 4096)];

    [Test]
    [CancelAfter(300_000)]
    public async Task A_sparse_file_uploads_and_downloads_with_its_holes_on_both_paths(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var source = await SparseFileAsync(host, "sparse.bin", ct);
        var full = Path.Combine(host.Virtd.StateDir, "full.bin");
        await File.WriteAllBytesAsync(full, Enumerable.Repeat((byte)0xa5, 64 * MiB).ToArray(), ct);
        var expected = await StorageHost.Sha256Async(source);
        Assert.That(await AllocatedAsync(source), Is.LessThan(5L * MiB), "the source is sparse");

        foreach (var (name, environment) in new[] { ("fast", new Dictionary<string, string>()), ("stream", _stream) })
        {
            // The volume is written full first: the sparse upload must punch its old bytes away, not skip over them.
            Assert.That((await host.VshAsync("vol-create-as", "default", name + ".img", "64M")).ExitCode, Is.Zero);
            Assert.That((await host.VshAsync("vol-upload", "--pool", "default", name + ".img", full)).ExitCode, Is.Zero);
            var volume = Path.Combine(host.Images, name + ".img");
            Assert.That(await AllocatedAsync(volume), Is.GreaterThanOrEqualTo(64L * MiB));

            var upload = await host.VshWithAsync(environment, "-d", "0", "vol-upload", "--sparse", "--pool", "default", name + ".img", source);
            var back = Path.Combine(host.Virtd.StateDir, name + ".down");
            var download = await host.VshWithAsync(environment, "-d", "0", "vol-download", "--sparse", "--pool", "default", name + ".img", back);

            Assert.That(upload.ExitCode, Is.Zero, upload.ToString());
            Assert.That(download.ExitCode, Is.Zero, download.ToString());
            var path = name == "fast" ? "local fast path" : "streamed";
            Assert.That(upload.Stderr, Does.Contain("vol-upload: " + path), upload.ToString());
            Assert.That(download.Stderr, Does.Contain("vol-download: " + path), download.ToString());
            Assert.That(await StorageHost.Sha256Async(volume), Is.EqualTo(expected), name);
            Assert.That(await StorageHost.Sha256Async(back), Is.EqualTo(expected), name);
            Assert.That(new FileInfo(volume).Length, Is.EqualTo(64L * MiB), name);
            Assert.That(new FileInfo(back).Length, Is.EqualTo(64L * MiB), name + ": the file grows to the hole at its end");
            Assert.That(await AllocatedAsync(volume), Is.LessThan(5L * MiB), name + ": the volume keeps the holes");
            Assert.That(await AllocatedAsync(back), Is.LessThan(5L * MiB), name + ": the downloaded file has the holes");

            // Without --sparse the download is all data.
            var dense = Path.Combine(host.Virtd.StateDir, name + ".dense");
            Assert.That((await host.VshWithAsync(environment, "vol-download", "--pool", "default", name + ".img", dense)).ExitCode, Is.Zero);
            Assert.That(await StorageHost.Sha256Async(dense), Is.EqualTo(expected));
            Assert.That(await AllocatedAsync(dense), Is.GreaterThanOrEqualTo(64L * MiB), name);
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Offsets_and_lengths_cut_the_same_bytes_on_both_paths(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var source = await SparseFileAsync(host, "sparse.bin", ct);
        var sourceBytes = await File.ReadAllBytesAsync(source, ct);
        var directory = host.Virtd.StateDir;
        foreach (var (name, environment) in new[] { ("fast", new Dictionary<string, string>()), ("stream", _stream) })
        {
            Assert.That((await host.VshAsync("vol-create-as", "default", name + ".img", "80M")).ExitCode, Is.Zero);
            var runs = new[]
            {
                await host.VshWithAsync(environment, "vol-upload", "--sparse", "--pool", "default", name + ".img", source, "--offset", "8M"),
                await host.VshWithAsync(environment, "vol-upload", "--sparse", "--pool", "default", name + ".img", source, "--offset", "1M", "--length", "21M"),
                await host.VshWithAsync(environment, "vol-download", "--sparse", "--pool", "default", name + ".img", Path.Combine(directory, name + ".part"), "--offset", "27M", "--length", "30M"),
            };
            foreach (var run in runs)
            {
                Assert.That(run.ExitCode, Is.Zero, run.ToString());
            }
            var expected = new byte[80 * MiB];
            sourceBytes.CopyTo(expected, 8 * MiB);
            sourceBytes.AsSpan(0, 21 * MiB).CopyTo(expected.AsSpan(MiB));
            var volume = await File.ReadAllBytesAsync(Path.Combine(host.Images, name + ".img"), ct);
            Assert.That(volume.AsSpan().SequenceEqual(expected), Is.True, name + ": the volume");
            var part = await File.ReadAllBytesAsync(Path.Combine(directory, name + ".part"), ct);
            Assert.That(part.AsSpan().SequenceEqual(expected.AsSpan(27 * MiB, 30 * MiB)), Is.True, name + ": --offset 27M --length 30M");
        }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Holes_without_sparse_or_past_the_volume_s_end_are_invalid_arguments(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        Assert.That((await host.VshAsync("vol-create-as", "default", "data.img", "4M")).ExitCode, Is.Zero);
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        var volume = StorageHost.DataVolume;

        var withoutSparse = await UploadErrorAsync(client, new UploadHeader { Volume = volume }, 4096, ct);
        var pastTheEnd = await UploadErrorAsync(client, new UploadHeader { Volume = volume, Sparse = true, Offset = MiB }, 3UL * MiB + 1, ct);
        var pastTheLength = await UploadErrorAsync(client, new UploadHeader { Volume = volume, Sparse = true, Length = 4096 }, 8192, ct);

        Assert.Multiple(() =>
        {
            foreach (var (error, field, text) in new[]
            {
                (withoutSparse, "kind", "holes need sparse"),
                (pastTheEnd, "hole_bytes", "runs past the end of volume 'data.img'"),
                (pastTheLength, "hole_bytes", "runs past the 4096 bytes its header announced"),
            })
            {
                Assert.That(error.Reason, Is.EqualTo(ErrorReason.InvalidArgument), error.Message);
                Assert.That(error.Metadata["field"], Is.EqualTo(field), error.Message);
                Assert.That(error.Message, Does.Contain(text));
            }
        });
    }

    private static async Task<VirtClientException> UploadErrorAsync(VirtConnection client, UploadHeader header, ulong hole, CancellationToken ct)
    {
        try
        {
            using var call = client.Storage.UploadVolume(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new UploadVolumeRequest { Header = header }, ct);
            await call.RequestStream.WriteAsync(new UploadVolumeRequest { HoleBytes = hole }, ct);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }
        catch (RpcException e)
        {
            return VirtClientException.From(e);
        }
        throw new AssertionException("the upload succeeded");
    }

    /// <summary>Bytes allocated to a file (st_blocks × 512, as <c>stat -c %b</c> counts them).</summary>
    private static async Task<long> AllocatedAsync(string path)
    {
        var run = await StorageHost.RunAsync("stat", ["-c", "%b", path]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        return long.Parse(run.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;
    }

    private static async Task<string> SparseFileAsync(StorageHost host, string name, CancellationToken ct)
    {
        var path = Path.Combine(host.Virtd.StateDir, name);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        var random = new Random(11);
        foreach (var (offset, length) in _data)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            file.Position = offset;
            await file.WriteAsync(bytes, ct);
        }
        file.SetLength(64L * MiB);
        return path;
    }
}
