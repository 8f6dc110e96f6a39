namespace Virt.Vmm;

/// <summary>
/// The worker's own threads, started while a spare waits for its launch spec (<see cref="StandbyThread"/>), each
/// given its work during the launch. Each blocks in one system call on one file descriptor, so what the kernel wakes
/// for QEMU's exit, a control call, a monitor message or console output is the one thread that handles it, without
/// .NET's socket engine and thread-pool hand-offs in between.
/// </summary>
internal sealed record WorkerThreads(StandbyThread ExitWatcher, StandbyThread ControlAccept, StandbyThread MonitorReader, StandbyThread ConsoleReader)
{
    public static WorkerThreads Start() =>
        new(new StandbyThread("qemu exit"), new StandbyThread("control accept"), new StandbyThread("qmp read"), new StandbyThread("console read"));
}
