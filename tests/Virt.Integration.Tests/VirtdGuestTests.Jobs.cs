using Virt.Client;
using Virt.Protocol.V1;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>JobService, domjobinfo and domjobabort through a real virtd and vsh.</summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Domjobinfo_and_domjobabort_answer_as_virsh_for_a_running_guest_without_a_job_and_for_a_shut_off_one(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "jobs");
        await VshRun.OkAsync(virtd, "define", file);

        var (offCode, offOut, offErr) = await VshRun.RunAsync(virtd, "domjobinfo", "jobs");
        Assert.That((offCode, offOut, offErr), Is.EqualTo((1, "\n", "error: Requested operation is not valid: domain is not running\n")));
        Assert.That(await VshRun.OkAsync(virtd, "domjobinfo", "jobs", "--completed"), Is.EqualTo("Job type:         None        \n\n"));

        await VshRun.OkAsync(virtd, "start", "jobs");
        try
        {
            Assert.That(await VshRun.OkAsync(virtd, "domjobinfo", "jobs"), Is.EqualTo("Job type:         None        \n\n"));
            var (code, output, errors) = await VshRun.RunAsync(virtd, "domjobabort", "jobs");
            Assert.That((code, output, errors), Is.EqualTo((1, "\n", "error: Requested operation is not valid: no job is active on the domain\n")));

            await using var connection = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
            var listed = await connection.Jobs.ListJobsAsync(new ListJobsRequest(), cancellationToken: ct);
            Assert.That(listed.Jobs, Is.Empty);
            var missing = Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await connection.Jobs.GetJobAsync(new GetJobRequest { JobId = "0123" }, cancellationToken: ct))!;
            Assert.That(VirtClientException.From(missing).Reason, Is.EqualTo(ErrorReason.JobNotFound));
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "jobs");
        }
    }
}
