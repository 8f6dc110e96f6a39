using System.IO.Pipes;
using Grpc.Core;
using Virt.Client;
using Virt.Protocol.V1;
using Virt.Testing;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// vol-upload and vol-download's local fast path through a real virtd and vsh: over the Unix socket vsh hands virtd its
/// open file and virtd copies in the kernel; streamed and fast transfers give the same bytes for the same offsets and
/// lengths; a descriptor that does not suit is a typed error, and a file vsh cannot hand over is streamed.
/// </summary>
public sealed class LocalFileTransferTests
{
    private const int MiB = 1024 * 1024;

    private static readonly Dictionary<string, string> _stream = new() { [VirtConnection.VolumeTransferVariable] = "stream" };

    [Test]
    [CancelAfter(300_000)]
    public async Task Over_the_unix_socket_virtd_copies_through_vsh_s_own_file_and_the_bytes_round_trip(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var (source, back) = await SourceAndVolumeAsync(host, 64, ct);

        var upload = await host.VshAsync("-d", "0", "vol-upload", "--pool", "default", "data.img", source);
        var download = await host.VshAsync("-d", "0", "vol-download", "--pool", "default", "data.img", back);

        Assert.That(upload.ExitCode, Is.Zero, upload.ToString());
        Assert.That(download.ExitCode, Is.Zero, download.ToString());
        Assert.That(upload.Stderr, Does.Contain("vol-upload: local fast path"), upload.ToString());
        Assert.That(download.Stderr, Does.Contain("vol-download: local fast path"), download.ToString());
        Assert.That(upload.Stdout + download.Stdout, Does.Not.Contain("fast path").And.Not.Contain("stream"), "which path ran is debug output only");
        await host.Virtd.Log.WaitForLineAsync(l => l.Contains("volume upload of data.img", StringComparison.Ordinal) && l.Contains("local fast path", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
        await host.Virtd.Log.WaitForLineAsync(l => l.Contains("volume download of data.img", StringComparison.Ordinal) && l.Contains("local fast path", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
        var expected = await AssertRoundTripAsync(host, source, back);

        // The client library says so in the job and the header too, and the stream positions follow the bytes copied.
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        var volume = StorageHost.DataVolume;
        await using (var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
        {
            var job = await client.UploadVolumeAsync(volume, file, ct: ct);
            Assert.That(job.Result.LocalFile, Is.True);
            Assert.That(job.Result.FinalStats.DataProcessedBytes, Is.EqualTo(64UL * MiB));
            Assert.That(file.Position, Is.EqualTo(64L * MiB));
        }
        await using (var file = new FileStream(back + ".2", FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            var header = await client.DownloadVolumeAsync(volume, file, 0, 0, null, ct: ct);
            Assert.That(header.LocalFile, Is.True);
            Assert.That(file.Position, Is.EqualTo(64L * MiB));
        }
        Assert.That(await StorageHost.Sha256Async(back + ".2"), Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Streamed_on_request_or_for_a_file_that_is_not_regular_and_the_bytes_are_the_same(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var (source, back) = await SourceAndVolumeAsync(host, 16, ct);

        var upload = await host.VshWithAsync(_stream, "-d", "0", "vol-upload", "--pool", "default", "data.img", source);
        var download = await host.VshWithAsync(_stream, "-d", "0", "vol-download", "--pool", "default", "data.img", back);
        // /dev/null is no regular file: vsh does not offer it, and the bytes are streamed into it.
        var toDevNull = await host.VshAsync("-d", "0", "vol-download", "--pool", "default", "data.img", "/dev/null");

        Assert.That(upload.ExitCode, Is.Zero, upload.ToString());
        Assert.That(download.ExitCode, Is.Zero, download.ToString());
        Assert.That(toDevNull.ExitCode, Is.Zero, toDevNull.ToString());
        Assert.That(upload.Stderr, Does.Contain("vol-upload: streamed"), upload.ToString());
        Assert.That(download.Stderr, Does.Contain("vol-download: streamed"), download.ToString());
        Assert.That(toDevNull.Stderr, Does.Contain("vol-download: streamed"), toDevNull.ToString());
        Assert.That(host.Virtd.Log.Snapshot().Any(l => l.Contains("local fast path", StringComparison.Ordinal)), Is.False, "nothing was offered");
        await AssertRoundTripAsync(host, source, back);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Files_another_process_holds_an_exclusive_flock_on_are_transferred_all_the_same(CancellationToken ct)
    {
        // virsh takes no advisory lock on a transfer's file; vsh did (.NET's implicit flock for every FileShare): its
        // exclusive one on `vol-download ... /dev/null` locked /dev/null for every process on the host (CI, stop 19),
        // and another process's lock refused vsh its file. The volume is locked too: virtd opens a file volume with
        // open(2) (DirBackend.OpenVolumeFile), which never took one.
        await using var host = await StorageHost.StartAsync();
        var (source, back) = await SourceAndVolumeAsync(host, 4, ct);

        await using (await ExclusiveFlock.AcquireAsync(Path.Combine(host.Images, "data.img"), ct))
        await using (await ExclusiveFlock.AcquireAsync(source, ct))
        await using (await ExclusiveFlock.AcquireAsync(back, ct))
        {
            foreach (var environment in new[] { new Dictionary<string, string>(), _stream })
            {
                var upload = await host.VshWithAsync(environment, "vol-upload", "--pool", "default", "data.img", source);
                var download = await host.VshWithAsync(environment, "vol-download", "--pool", "default", "data.img", back);
                Assert.That(upload.ExitCode, Is.Zero, upload.ToString());
                Assert.That(download.ExitCode, Is.Zero, download.ToString());
            }
        }
        await AssertRoundTripAsync(host, source, back);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_virtd_that_may_not_take_the_caller_s_file_streams_instead(CancellationToken ct)
    {
        // virtd runs as nobody and vsh as root: nobody may not ptrace root, so pidfd_getfd is EPERM.
        await using var host = await StorageHost.StartAsNobodyAsync();
        var (source, back) = await SourceAndVolumeAsync(host, 16, ct);

        var upload = await host.VshAsync("-d", "0", "vol-upload", "--pool", "default", "data.img", source);
        var download = await host.VshAsync("-d", "0", "vol-download", "--pool", "default", "data.img", back);

        Assert.That(upload.ExitCode, Is.Zero, upload.ToString());
        Assert.That(download.ExitCode, Is.Zero, download.ToString());
        Assert.That(upload.Stderr, Does.Contain("vol-upload: streamed"), upload.ToString());
        Assert.That(download.Stderr, Does.Contain("vol-download: streamed"), download.ToString());
        foreach (var operation in new[] { "upload", "download" })
        {
            await host.Virtd.Log.WaitForLineAsync(l => l.Contains($"volume {operation} of", StringComparison.Ordinal) && l.Contains("streaming instead", StringComparison.Ordinal)
                && l.Contains("EPERM", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
        }
        await AssertRoundTripAsync(host, source, back);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Offsets_lengths_and_their_errors_are_the_same_on_both_paths(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        var source = await RandomFileAsync(host, "up.bin", 8, ct);
        var directory = host.Virtd.StateDir;
        foreach (var name in new[] { "fast.img", "stream.img" })
        {
            Assert.That((await host.VshAsync("vol-create-as", "default", name, "16M")).ExitCode, Is.Zero);
        }

        async Task<(Run Fast, Run Streamed)> BothAsync(Func<string, string[]> arguments)
        {
            var fast = await host.VshAsync(["-d", "0", .. arguments("fast")]);
            var streamed = await host.VshWithAsync(_stream, ["-d", "0", .. arguments("stream")]);
            if (fast.ExitCode == 0)
            {
                Assert.That(fast.Stderr, Does.Contain("local fast path"), fast.ToString());
                Assert.That(streamed.Stderr, Does.Contain("streamed"), streamed.ToString());
            }
            return (fast, streamed);
        }

        var uploads = new[]
        {
            await BothAsync(path => ["vol-upload", "--pool", "default", path + ".img", source, "--offset", "1M", "--length", "3M"]),
            await BothAsync(path => ["vol-upload", "--pool", "default", path + ".img", source, "--offset", "8M"]),
        };
        var downloads = new[]
        {
            await BothAsync(path => ["vol-download", "--pool", "default", "fast.img", Path.Combine(directory, path + ".part"), "--offset", "2M", "--length", "5M"]),
            await BothAsync(path => ["vol-download", "--pool", "default", "fast.img", Path.Combine(directory, path + ".tail"), "--offset", "10M"]),
            await BothAsync(path => ["vol-download", "--pool", "default", "fast.img", Path.Combine(directory, path + ".long"), "--offset", "15M", "--length", "4M"]),
        };
        foreach (var (fast, streamed) in uploads.Concat(downloads))
        {
            Assert.That(fast.ExitCode, Is.Zero, fast.ToString());
            Assert.That(streamed.ExitCode, Is.Zero, streamed.ToString());
        }
        var sourceBytes = await File.ReadAllBytesAsync(source, ct);
        var volume = await File.ReadAllBytesAsync(Path.Combine(host.Images, "fast.img"), ct);
        Assert.That(volume.AsSpan(MiB, 3 * MiB).SequenceEqual(sourceBytes.AsSpan(0, 3 * MiB)), Is.True, "--offset 1M --length 3M");
        Assert.That(volume.AsSpan(8 * MiB, 8 * MiB).SequenceEqual(sourceBytes), Is.True, "--offset 8M");
        Assert.That(await StorageHost.Sha256Async(Path.Combine(host.Images, "fast.img")), Is.EqualTo(await StorageHost.Sha256Async(Path.Combine(host.Images, "stream.img"))));
        foreach (var (suffix, offset, length) in new[] { ("part", 2, 5), ("tail", 10, 6), ("long", 15, 1) })
        {
            var fast = await File.ReadAllBytesAsync(Path.Combine(directory, "fast." + suffix), ct);
            Assert.That(fast, Is.EqualTo(volume.AsSpan(offset * MiB, length * MiB).ToArray()), suffix);
            Assert.That(await File.ReadAllBytesAsync(Path.Combine(directory, "stream." + suffix), ct), Is.EqualTo(fast), suffix);
        }

        // Errors (after the checks above: the stream writes part of the first before it fails, the fast path nothing):
        // the rest of the file does not fit behind the offset; the file has fewer bytes than --length says.
        var tooLong = await BothAsync(path => ["vol-upload", "--pool", "default", path + ".img", source, "--offset", "12M"]);
        var tooShort = await BothAsync(path => ["vol-upload", "--pool", "default", path + ".img", source, "--length", "10M"]);
        foreach (var (fast, streamed) in new[] { tooLong, tooShort })
        {
            Assert.That(fast.ExitCode, Is.EqualTo(1), fast.ToString());
            Assert.That(streamed.ExitCode, Is.EqualTo(1), streamed.ToString());
            Assert.That(Lines(fast.Stderr.Replace("fast.img", "VOL", StringComparison.Ordinal), "error:"),
                Is.EqualTo(Lines(streamed.Stderr.Replace("stream.img", "VOL", StringComparison.Ordinal), "error:")));
        }
        Assert.That(Lines(tooLong.Fast.Stderr, "error:"), Does.Contain("runs past the end of volume"));
        Assert.That(Lines(tooShort.Fast.Stderr, "error:"), Does.Contain($"ended after {8 * MiB} of the {10 * MiB} bytes"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_descriptor_that_does_not_suit_the_direction_is_a_typed_error_naming_it(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        Assert.That((await host.VshAsync("vol-create-as", "default", "data.img", "4M")).ExitCode, Is.Zero);
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        var volume = StorageHost.DataVolume;
        var readOnlyPath = Path.Combine(host.Virtd.StateDir, "read-only.bin");
        await File.WriteAllBytesAsync(readOnlyPath, [1, 2, 3], ct);

        // This test process is the peer: virtd takes its descriptors, then refuses those that do not suit.
        using var readOnly = File.OpenHandle(readOnlyPath, FileMode.Open, FileAccess.Read);
        using var writeOnly = File.OpenHandle(Path.Combine(host.Virtd.StateDir, "write-only.bin"), FileMode.Create, FileAccess.Write);
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        var downloadIntoReadOnly = await DownloadErrorAsync(client, volume, Fd(readOnly), ct);
        var downloadIntoPipe = await DownloadErrorAsync(client, volume, (int)pipe.SafePipeHandle.DangerousGetHandle(), ct);
        var downloadIntoNothing = await DownloadErrorAsync(client, volume, 1_000_000, ct);
        var uploadFromWriteOnly = await UploadErrorAsync(client, volume, Fd(writeOnly), ct);
        var lengthTwice = await UploadErrorAsync(client, volume, Fd(readOnly), ct, headerLength: 3);

        Assert.Multiple(() =>
        {
            foreach (var (error, field, text) in new[]
            {
                (downloadIntoReadOnly, "local_file.fd", "is not open for writing"),
                (downloadIntoPipe, "local_file.fd", "is not a regular file"),
                (downloadIntoNothing, "local_file.fd", "has no open file descriptor 1000000"),
                (uploadFromWriteOnly, "local_file.fd", "is not open for reading"),
                (lengthTwice, "length", "length must be 0"),
            })
            {
                Assert.That(error.Reason, Is.EqualTo(ErrorReason.InvalidArgument), error.Message);
                Assert.That(error.Metadata["field"], Is.EqualTo(field), error.Message);
                Assert.That(error.Message, Does.Contain(text));
            }
        });
        Assert.That(await File.ReadAllBytesAsync(readOnlyPath, ct), Is.EqualTo(new byte[] { 1, 2, 3 }), "nothing was written");
        Assert.That(new FileInfo(Path.Combine(host.Images, "data.img")).Length, Is.EqualTo(4 * MiB));
        Assert.That(await StorageHost.Sha256Async(Path.Combine(host.Images, "data.img")), Is.EqualTo(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(new byte[4 * MiB]))));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_sparse_copy_leaves_the_offset_of_the_caller_s_own_descriptor_where_it_was(CancellationToken ct)
    {
        // The taken descriptor shares the caller's open file, offset included: walking its holes with lseek, or sizing
        // it with lseek(SEEK_END), would move the caller's offset under it.
        await using var host = await StorageHost.StartAsync();
        Assert.That((await host.VshAsync("vol-create-as", "default", "data.img", "8M")).ExitCode, Is.Zero);
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        var volume = StorageHost.DataVolume;
        var bytes = new byte[8 * MiB];
        new Random(3).NextBytes(bytes.AsSpan(MiB, MiB));
        new Random(4).NextBytes(bytes.AsSpan(5 * MiB, MiB));
        var source = Path.Combine(host.Virtd.StateDir, "sparse.bin");
        using (var writer = File.OpenHandle(source, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.SetLength(writer, 8 * MiB);
            RandomAccess.Write(writer, bytes.AsSpan(MiB, MiB), MiB);
            RandomAccess.Write(writer, bytes.AsSpan(5 * MiB, MiB), 5 * MiB);
        }

        using var upload = File.OpenHandle(source, FileMode.Open, FileAccess.Read);
        FileOffset.Set(upload, 12_345);
        using (var call = client.Storage.UploadVolume(cancellationToken: ct))
        {
            await call.RequestStream.WriteAsync(new UploadVolumeRequest { Header = new UploadHeader { Volume = volume, Sparse = true, LocalFile = new LocalFile { Fd = Fd(upload) } } }, ct);
            await call.RequestStream.CompleteAsync();
            Assert.That((await call.ResponseAsync).Result.LocalFile, Is.True);
        }
        var back = Path.Combine(host.Virtd.StateDir, "back.bin");
        using var download = File.OpenHandle(back, FileMode.CreateNew, FileAccess.Write);
        FileOffset.Set(download, 777);
        using (var call = client.Storage.DownloadVolume(new DownloadVolumeRequest { Volume = volume, Sparse = true, LocalFile = new LocalFile { Fd = Fd(download) } }, cancellationToken: ct))
        {
            Assert.That(await call.ResponseStream.MoveNext(ct), Is.True);
            Assert.That(call.ResponseStream.Current.Header.LocalFile, Is.True);
            while (await call.ResponseStream.MoveNext(ct))
            {
            }
        }

        Assert.That(FileOffset.Of(upload), Is.EqualTo(12_345), "the upload's source");
        Assert.That(FileOffset.Of(download), Is.EqualTo(777), "the download's target");
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(host.Images, "data.img"), ct), Is.EqualTo(bytes));
        Assert.That(await File.ReadAllBytesAsync(back, ct), Is.EqualTo(bytes));
    }

    private static int Fd(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    private static async Task<VirtClientException> DownloadErrorAsync(VirtConnection client, VolumeRef volume, int fd, CancellationToken ct)
    {
        try
        {
            using var call = client.Storage.DownloadVolume(new DownloadVolumeRequest { Volume = volume, LocalFile = new LocalFile { Fd = fd } }, cancellationToken: ct);
            while (await call.ResponseStream.MoveNext(ct))
            {
            }
        }
        catch (RpcException e)
        {
            return VirtClientException.From(e);
        }
        throw new AssertionException("the download succeeded");
    }

    private static async Task<VirtClientException> UploadErrorAsync(VirtConnection client, VolumeRef volume, int fd, CancellationToken ct, ulong headerLength = 0)
    {
        try
        {
            using var call = client.Storage.UploadVolume(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new UploadVolumeRequest { Header = new UploadHeader { Volume = volume, Length = headerLength, LocalFile = new LocalFile { Fd = fd } } }, ct);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }
        catch (RpcException e)
        {
            return VirtClientException.From(e);
        }
        throw new AssertionException("the upload succeeded");
    }

    private static string Lines(string text, string prefix) =>
        string.Join('\n', text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)));

    // The volume holds the uploaded file, and the downloaded file is the volume's bytes; returns the source's checksum.
    /// <summary>
    /// A random <c>up.bin</c> of <paramref name="mib"/> MiB to upload, the path <c>down.bin</c> to download into, and
    /// <c>data.img</c> of the same size in the default pool.
    /// </summary>
    private static async Task<(string Source, string Back)> SourceAndVolumeAsync(StorageHost host, int mib, CancellationToken ct)
    {
        var source = await RandomFileAsync(host, "up.bin", mib, ct);
        Assert.That((await host.VshAsync("vol-create-as", "default", "data.img", $"{mib}M")).ExitCode, Is.Zero);
        return (source, Path.Combine(host.Virtd.StateDir, "down.bin"));
    }

    private static async Task<string> AssertRoundTripAsync(StorageHost host, string source, string back)
    {
        var expected = await StorageHost.Sha256Async(source);
        Assert.That(await StorageHost.Sha256Async(Path.Combine(host.Images, "data.img")), Is.EqualTo(expected));
        Assert.That(await StorageHost.Sha256Async(back), Is.EqualTo(expected));
        return expected;
    }

    private static async Task<string> RandomFileAsync(StorageHost host, string name, int mebibytes, CancellationToken ct)
    {
        var path = Path.Combine(host.Virtd.StateDir, name);
        await using var file = File.Create(path);
        var chunk = new byte[MiB];
        var random = new Random(7);
        for (var i = 0; i < mebibytes; i++)
        {
            random.NextBytes(chunk);
            await file.WriteAsync(chunk, ct);
        }
        return path;
    }
}
