using System.Reflection;
using System.Runtime.InteropServices;
using Virt.Vmm.Protocol;

namespace Virt.Vmm;

/// <summary>The worker's process set-up around <see cref="Worker"/>: its own session, stdio onto the log, the launch answer.</summary>
internal static class WorkerProgram
{
    public static string Version { get; } =
        typeof(WorkerProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    // The guest's worker once the spec has come; SIGTERM before that (to a spare) has nothing to destroy.
    private static Worker? _worker;

    /// <summary>SIGTERM to the worker is a destroy: QEMU is never left running without its worker.</summary>
    public static PosixSignalRegistration HandleTermination() =>
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            // A spare has no guest: the default action ends it, as it always did.
            if (Volatile.Read(ref _worker) is { } worker)
            {
                context.Cancel = true;
                worker.Terminate();
            }
        });

    public static async Task<int> RunAsync(LaunchSpec spec, WorkerThreads threads)
    {
        // stdout is virtd's pipe: keep a close-on-exec copy for the one answer, then point 0/1/2 away from virtd, so
        // that neither this worker nor QEMU (which inherits 0-2) keeps any of virtd's pipes open after the launch.
        var answer = new LaunchAnswer(Native.DuplicateCloseOnExec(1));
        using (var log = File.OpenHandle(spec.LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        using (var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read))
        {
            File.SetUnixFileMode(log, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Native.Redirect(devNull.DangerousGetHandle().ToInt32(), 0);
            Native.Redirect(log.DangerousGetHandle().ToInt32(), 1);
            Native.Redirect(log.DangerousGetHandle().ToInt32(), 2);
        }
        Native.NewSession();
        WorkerLog.Write($"virt-vmm {Version} for domain {spec.DomainName} ({spec.DomainUuid}), id {spec.DomainId}");

        await using var worker = new Worker(spec, threads);
        Volatile.Write(ref _worker, worker);
        var result = await worker.LaunchAsync(answer.Send);
        // Unless it went out already, from the monitor's reader thread.
        answer.Send(result);
        if (result.ResultCase != LaunchResult.ResultOneofCase.Status)
        {
            WorkerLog.Write("launch failed: " + result.Error.Message);
            return 1;
        }
        worker.Launched();
        await worker.RunAsync();
        WorkerLog.Write("exiting");
        return 0;
    }
}
