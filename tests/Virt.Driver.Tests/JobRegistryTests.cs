using Virt.Driver.Jobs;

namespace Virt.Driver.Tests;

public sealed class JobRegistryTests
{
    private static readonly JobDomain _web = new("web", Guid.Parse("6695eb01-f6a4-8304-79aa-97f2502e193f"), 3);

    private static JobStart Save(bool cancellable = true) => new(JobOperation.Save, "save web to /tmp/web.save") { Domain = _web, Cancellable = cancellable };

    [Test]
    public void A_job_runs_reports_progress_and_ends_with_its_final_statistics()
    {
        var clock = new ManualClock();
        var registry = new JobRegistry(clock: clock);
        using var job = registry.Start(Save());
        clock.Advance(TimeSpan.FromSeconds(2));
        job.Report(JobProgress.Data("active", total: 1000, processed: 400));

        var running = registry.Get(job.Id);
        Assert.That(running.State, Is.EqualTo(JobState.Running));
        Assert.That(running.Progress.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(running.Progress.DataRemainingBytes, Is.EqualTo(600));
        Assert.That(registry.ActiveOn(_web.Uuid)?.Id, Is.EqualTo(job.Id));

        clock.Advance(TimeSpan.FromSeconds(1));
        var ended = job.Succeed();
        Assert.That(ended.State, Is.EqualTo(JobState.Succeeded));
        Assert.That(ended.Cancellable, Is.False);
        Assert.That(ended.EndTime, Is.EqualTo(clock.GetUtcNow()));
        Assert.That(ended.Result?.FinalStats?.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(ended.Result?.FinalStats?.DataProcessedBytes, Is.EqualTo(400));
        Assert.That(registry.ActiveOn(_web.Uuid), Is.Null);
    }

    [Test]
    public void Completed_statistics_are_discarded_by_reading_them_unless_kept()
    {
        var registry = new JobRegistry();
        using (var job = registry.Start(Save()))
        {
            job.Succeed();
        }

        Assert.That(registry.LastCompletedOn(_web.Uuid, keep: true), Is.Not.Null);
        Assert.That(registry.LastCompletedOn(_web.Uuid, keep: false), Is.Not.Null);
        Assert.That(registry.LastCompletedOn(_web.Uuid, keep: false), Is.Null);
    }

    [Test]
    public async Task Cancelling_fires_the_token_and_the_job_ends_cancelled_with_libvirts_message()
    {
        var registry = new JobRegistry();
        var started = new TaskCompletionSource();
        var info = registry.Run(Save(), async job =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, job.CancellationToken);
            return null;
        });
        await started.Task;

        var asked = registry.CancelActiveOn(_web.Uuid, _web.Name);
        var ended = await registry.WaitAsync(info.Id, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(asked.Id, Is.EqualTo(info.Id));
        Assert.That(ended.State, Is.EqualTo(JobState.Cancelled));
        Assert.That(ended.Error?.Reason, Is.EqualTo(VirtErrorReason.OperationCancelled));
        Assert.That(ended.Error?.Message, Is.EqualTo("operation aborted: domain save job: canceled by client"), "libvirt's words, with its name for the job");
        Assert.That(ended.Error?.Metadata["job"], Is.EqualTo(info.Id));
    }

    [Test]
    public void A_job_that_fails_after_cancellation_was_asked_for_ends_cancelled_not_failed()
    {
        var registry = new JobRegistry();
        using var job = registry.Start(Save());
        registry.Cancel(job.Id);

        var ended = job.Fail(new VirtException(VirtErrorReason.HypervisorError, "QEMU: migration was cancelled"));

        Assert.That(ended.State, Is.EqualTo(JobState.Cancelled));
        Assert.That(ended.Error?.Reason, Is.EqualTo(VirtErrorReason.OperationCancelled));
    }

    [Test]
    public void Cancelling_an_ended_or_uncancellable_job_is_operation_invalid_and_changes_nothing()
    {
        var registry = new JobRegistry();
        using var fixedJob = registry.Start(Save(cancellable: false));
        var refused = Assert.Throws<VirtException>(() => registry.Cancel(fixedJob.Id))!;
        Assert.That(refused.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(fixedJob.CancellationToken.IsCancellationRequested, Is.False);
        fixedJob.Succeed();

        var ended = Assert.Throws<VirtException>(() => registry.Cancel(fixedJob.Id))!;
        Assert.That(ended.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(registry.Get(fixedJob.Id).State, Is.EqualTo(JobState.Succeeded));
    }

    [Test]
    public void Aborting_on_a_domain_without_a_job_says_so_in_libvirts_words()
    {
        var error = Assert.Throws<VirtException>(() => new JobRegistry().CancelActiveOn(_web.Uuid, _web.Name))!;

        Assert.That(error.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(error.Message, Is.EqualTo("Requested operation is not valid: no job is active on the domain"));
    }

    [Test]
    public void Destroying_the_domain_cancels_even_an_uncancellable_job()
    {
        var registry = new JobRegistry();
        using var job = registry.Start(Save(cancellable: false));

        Assert.That(registry.CancelAllOn(_web.Uuid, "the domain was destroyed"), Is.EqualTo(1));
        Assert.That(job.CancellationToken.IsCancellationRequested, Is.True);
        Assert.That(job.Fail(new OperationCanceledException()).Error?.Message, Is.EqualTo("operation aborted: the domain was destroyed"));
    }

    [Test]
    public async Task A_failing_job_keeps_its_typed_error_and_an_unexpected_exception_becomes_internal()
    {
        var registry = new JobRegistry();
        var typed = registry.Run(Save(), _ => throw new VirtException(VirtErrorReason.ImageInvalid, "bad image"));
        var unexpected = registry.Run(Save(), _ => throw new InvalidOperationException("boom"));

        var first = await registry.WaitAsync(typed.Id, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var second = await registry.WaitAsync(unexpected.Id, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((first.State, first.Error?.Reason, first.Error?.Message), Is.EqualTo((JobState.Failed, VirtErrorReason.ImageInvalid, "bad image")));
        Assert.That((second.State, second.Error?.Reason, second.Error?.Message), Is.EqualTo((JobState.Failed, VirtErrorReason.Internal, "internal error: boom")));
    }

    [Test]
    public void A_handle_dropped_without_an_outcome_fails_its_job()
    {
        var registry = new JobRegistry();
        string id;
        using (var job = registry.Start(Save()))
        {
            id = job.Id;
        }

        Assert.That(registry.Get(id).State, Is.EqualTo(JobState.Failed));
        Assert.That(registry.Get(id).Error?.Reason, Is.EqualTo(VirtErrorReason.Internal));
    }

    [Test]
    public async Task Watching_yields_the_job_now_then_each_state_change_and_ends_with_the_ended_job()
    {
        var registry = new JobRegistry();
        using var job = registry.Start(new JobStart(JobOperation.VolumeUpload, "upload") { Pending = true });
        var seen = new List<JobState>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await foreach (var info in registry.WatchAsync(job.Id, TimeSpan.Zero, cts.Token))
        {
            seen.Add(info.State);
            if (info.State == JobState.Pending)
            {
                job.MarkRunning();
            }
            else if (info.State == JobState.Running)
            {
                job.Succeed();
            }
        }

        Assert.That(seen, Is.EqualTo(new[] { JobState.Pending, JobState.Running, JobState.Succeeded }));
    }

    [Test]
    public void Unknown_ids_are_job_not_found()
    {
        var error = Assert.Throws<VirtException>(() => new JobRegistry().Get("nope"))!;

        Assert.That(error.Reason, Is.EqualTo(VirtErrorReason.JobNotFound));
        Assert.That(error.Metadata["job"], Is.EqualTo("nope"));
    }

    [Test]
    public void Ended_jobs_expire_after_their_lifetime_but_the_newest_are_kept()
    {
        var clock = new ManualClock();
        var registry = new JobRegistry(retention: new JobRetention { Lifetime = TimeSpan.FromHours(1), MinimumEnded = 2 }, clock: clock);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var job = registry.Start(Save());
            job.Succeed();
            ids.Add(job.Id);
        }
        using var running = registry.Start(Save());

        clock.Advance(TimeSpan.FromHours(2));

        Assert.That(registry.List().Select(j => j.Id), Is.EquivalentTo(new[] { ids[2], ids[3], running.Id }));
        Assert.That(registry.List()[0].Id, Is.EqualTo(running.Id), "newest first");
    }

    [Test]
    public async Task State_changes_are_logged_events_and_progress_is_live_only()
    {
        var events = new EventLog();
        var registry = new JobRegistry(events);
        using var job = registry.Start(Save());
        job.Report(JobProgress.Data("active", 10, 5));
        job.Succeed();

        var retained = events.OldestRetainedSequence;
        Assert.That(events.LatestSequence - retained + 1, Is.EqualTo(3), "start, progress and end each took a sequence");
        var states = (await DrainAsync(events)).Select(e => e.Event).ToList();
        Assert.That(states.OfType<JobStateChangedEvent>().Select(e => e.Job.State), Is.EqualTo(new[] { JobState.Running, JobState.Succeeded }));
        Assert.That(states.OfType<JobProgressEvent>(), Is.Empty, "progress is not replayed");
    }

    private static async Task<List<LoggedEvent>> DrainAsync(EventLog events)
    {
        var replayed = new List<LoggedEvent>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var item in events.SubscribeAsync(0, fromOldestRetained: true, cts.Token))
        {
            if (item.IsCaughtUp)
            {
                break;
            }
            if (item.Event is { } logged)
            {
                replayed.Add(logged);
            }
        }
        return replayed;
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _now += by;
    }
}
