using System.IO.Pipelines;
using Virt.Client;
using Virt.Protocol.V1;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// Volume copies, wipes and transfers are jobs of a real virtd: listed while they run, with progress in bytes, ended
/// with their result, and stopped by CancelJob.
/// </summary>
public sealed class VolumeJobTests
{
    private const ulong MiB = 1024 * 1024;

    [Test]
    [CancelAfter(300_000)]
    public async Task A_copy_and_a_wipe_answer_with_jobs_that_end_with_their_volume_and_every_byte_counted(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        Assert.That((await host.VshAsync("vol-create-as", "default", "source.img", "8M")).ExitCode, Is.Zero);
        var pool = new PoolRef { Name = "default" };

        var started = await client.StorageCallAsync(s => s.CreateVolumeFromAsync(new CreateVolumeFromRequest
        {
            Pool = pool,
            Source = new VolumeRef { PoolVolume = new VolumeName { Pool = pool, Name = "source.img" } },
            NewName = "copy.qcow2",
            Format = "qcow2",
        }, cancellationToken: ct));
        var copied = await client.WaitJobAsync(started.Id, ct);
        var wiped = await client.StorageCallAsync(s => s.WipeVolumeAsync(new WipeVolumeRequest
        {
            Volume = new VolumeRef { PoolVolume = new VolumeName { Pool = pool, Name = "source.img" } },
            Wait = true,
        }, cancellationToken: ct));
        var listed = await client.Jobs.ListJobsAsync(new ListJobsRequest { Operations = { JobOperation.VolumeCreateFrom, JobOperation.VolumeWipe } }, cancellationToken: ct);

        Assert.Multiple(() =>
        {
            Assert.That(started.Operation, Is.EqualTo(JobOperation.VolumeCreateFrom));
            Assert.That(started.Volume.Name, Is.EqualTo("source.img"), "the job works on its source");
            Assert.That(copied.State, Is.EqualTo(JobState.Succeeded), copied.ToString());
            Assert.That(copied.Result.Volume.Name, Is.EqualTo("copy.qcow2"));
            Assert.That(copied.Result.FinalStats.DataProcessedBytes, Is.EqualTo(8 * MiB));
            Assert.That(copied.Result.FinalStats.DataTotalBytes, Is.EqualTo(8 * MiB));
            Assert.That(wiped.State, Is.EqualTo(JobState.Succeeded), wiped.ToString());
            Assert.That(wiped.Result.FinalStats.DataProcessedBytes, Is.EqualTo(8 * MiB));
            Assert.That(listed.Jobs.Select(j => j.Id), Is.SupersetOf(new[] { started.Id, wiped.Id }), "both are the registry's jobs");
        });
        var info = await StorageHost.QemuImgInfoAsync(Path.Combine(host.Images, "copy.qcow2"), "qcow2");
        Assert.That(info.GetProperty("virtual-size").GetInt64(), Is.EqualTo((long)(8 * MiB)));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_upload_is_a_running_job_with_its_bytes_and_CancelJob_stops_it(CancellationToken ct)
    {
        await using var host = await StorageHost.StartAsync();
        await using var client = await VirtConnection.OpenAsync(host.Uri, cancellationToken: ct);
        Assert.That((await host.VshAsync("vol-create-as", "default", "target.img", "4M")).ExitCode, Is.Zero);
        var pool = new PoolRef { Name = "default" };
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(new byte[64 * 1024], ct);
        var upload = client.UploadVolumeAsync(new VolumeRef { PoolVolume = new VolumeName { Pool = pool, Name = "target.img" } }, pipe.Reader.AsStream(), ct: ct);

        // The client has sent one chunk and waits for more: the job runs, with those bytes counted.
        Job running;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var jobs = await client.Jobs.ListJobsAsync(new ListJobsRequest { Operations = { JobOperation.VolumeUpload }, States = { JobState.Running } }, cancellationToken: ct);
            if (jobs.Jobs.FirstOrDefault(j => j.Progress?.DataProcessedBytes >= 64 * 1024) is { } job)
            {
                running = job;
                break;
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "no running upload job with its first chunk counted");
            await Task.Delay(50, ct);
        }
        await client.CancelJobAsync(running.Id, ct: ct);

        var error = Assert.ThrowsAsync<VirtClientException>(async () => await upload.WaitAsync(TimeSpan.FromSeconds(60), ct));
        var ended = await client.WaitJobAsync(running.Id, ct);
        await pipe.Writer.CompleteAsync();
        Assert.Multiple(() =>
        {
            Assert.That(running.Volume.Name, Is.EqualTo("target.img"));
            Assert.That(running.Progress.DataTotalBytes, Is.EqualTo(4 * MiB), "the rest of the volume");
            Assert.That(error!.Reason, Is.EqualTo(ErrorReason.OperationCancelled), error.Message);
            Assert.That(ended.State, Is.EqualTo(JobState.Cancelled));
        });
        // The volume is free again: deleting it works.
        Assert.That((await host.VshAsync("vol-delete", "target.img", "--pool", "default")).ExitCode, Is.Zero);
    }
}
