namespace Virt.Cli.Output.Tests;

public sealed class DomainJobInfoFormatterTests
{
    [Test]
    public void No_job_is_one_padded_line()
    {
        Assert.That(DomainJobInfoFormatter.Format(new DomainJobInfo()), Is.EqualTo("Job type:         None        \n"));
    }

    [Test]
    public void A_completed_save_prints_virsh_9s_lines_in_its_order_and_widths()
    {
        var job = new DomainJobInfo
        {
            Type = 3,
            Operation = 2,
            ElapsedMs = 1234,
            DataTotal = 136_380_416,
            DataProcessed = 5_242_880,
            DataRemaining = 0,
            MemoryTotal = 136_380_416,
            MemoryProcessed = 5_242_880,
            MemoryBytesPerSecond = 1_073_741_824,
            DirtyRate = 0,
            PageSize = 4096,
            Iteration = 1,
            PostcopyRequests = 0,
            ConstantPages = 32_000,
            NormalPages = 1280,
            NormalBytes = 5_242_880,
            DowntimeMs = 12,
            SetupTimeMs = 3,
        };

        Assert.That(DomainJobInfoFormatter.Format(job), Is.EqualTo(
            "Job type:         Completed   \n" +
            "Operation:        Save        \n" +
            "Time elapsed:     1234         ms\n" +
            "Data processed:   5.000 MiB\n" +
            "Data remaining:   0.000 B\n" +
            "Data total:       130.062 MiB\n" +
            "Memory processed: 5.000 MiB\n" +
            "Memory remaining: 0.000 B\n" +
            "Memory total:     130.062 MiB\n" +
            "Memory bandwidth: 1.000 GiB/s\n" +
            "Dirty rate:       0            pages/s\n" +
            "Page size:        4096         bytes\n" +
            "Iteration:        1           \n" +
            "Postcopy requests: 0           \n" +
            "Constant pages:   32000       \n" +
            "Normal pages:     1280        \n" +
            "Normal data:      5.000 MiB\n" +
            "Total downtime:   12           ms\n" +
            "Setup time:       3            ms\n"));
    }

    [Test]
    public void Without_statistics_a_failed_job_is_its_type_only()
    {
        Assert.That(DomainJobInfoFormatter.Format(new DomainJobInfo { Type = 4, Operation = 2, ElapsedMs = 5 }, statistics: false),
            Is.EqualTo("Job type:         Failed      \n"));
    }
}
