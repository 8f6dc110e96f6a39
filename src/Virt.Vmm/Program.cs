using Virt.Vmm;
using Virt.Vmm.Protocol;

// virt-vmm: started by virtd, one per guest (started ahead as a spare, it waits for that spec). Its stdin carries one LaunchSpec; its stdout gets one LaunchResult
// and is then closed (virtd waits for it), and from then on the worker holds none of virtd's fds (src/Virt.Vmm/README.md).
if (args is ["--version"])
{
    Console.WriteLine("virt-vmm " + WorkerProgram.Version);
    return 0;
}
if (args.Length != 0)
{
    Console.Error.WriteLine("usage: virt-vmm < LAUNCH-SPEC   (started by virtd; see src/Virt.Vmm/README.md)");
    return 2;
}
// Made ready before the spec comes (a spare waits for it here), off the start's path: the signal thread (SIGTERM),
// the threads the worker will need, and what every launch does first (SpareWarmUp).
using var onTerm = WorkerProgram.HandleTermination();
var threads = WorkerThreads.Start();
await SpareWarmUp.RunAsync();
LaunchSpec? spec;
try
{
    await using var stdin = Console.OpenStandardInput();
    spec = await WorkerWire.ReadAsync(stdin, LaunchSpec.Parser, CancellationToken.None);
}
catch (InvalidDataException e)
{
    Console.Error.WriteLine("virt-vmm: the launch spec on stdin does not parse: " + e.Message);
    return 2;
}
if (spec is null)
{
    // A spare worker that virtd let go (or virtd ended) before it had a guest for it (VmmSpare in the QEMU driver).
    return 0;
}
if (spec.Argv.Count == 0)
{
    Console.Error.WriteLine("virt-vmm: expected a launch spec with a QEMU argv on stdin");
    return 2;
}
return await WorkerProgram.RunAsync(spec, threads);
