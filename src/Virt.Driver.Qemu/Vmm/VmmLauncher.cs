using System.Diagnostics;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// Launches one worker (the waiting spare, or a new one: <see cref="VmmSpare"/>): the launch spec goes to its stdin, the one <see cref="LaunchResult"/> comes back on its stdout,
/// and then the worker holds none of virtd's pipes (it moves its stdio onto the guest's log first thing). On any
/// failure the worker is killed and reaped here, so no half-started worker or QEMU stays behind.
/// </summary>
internal static class VmmLauncher
{
    public static async Task<(LaunchResult Result, Process Worker)> LaunchAsync(VmmSpare spare, string binary, LaunchSpec spec, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Process worker;
        try
        {
            worker = spare.Take();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new VirtException(VirtErrorReason.Internal, $"Cannot start domain '{spec.DomainName}': the VMM worker {binary} cannot be run: {e.Message}",
                new Dictionary<string, string> { ["domain"] = spec.DomainName, ["path"] = binary }, e);
        }
        var errors = worker.StandardError.ReadToEndAsync(CancellationToken.None);
        LaunchResult? result = null;
        Exception? failure = null;
        try
        {
            // Once the spec is sent, the launch runs to its end: cancelling here would leave QEMU to the worker alone.
            await WorkerWire.WriteAsync(worker.StandardInput.BaseStream, spec, cancellationToken).ConfigureAwait(false);
            worker.StandardInput.Close();
            result = await WorkerWire.ReadAsync(worker.StandardOutput.BaseStream, LaunchResult.Parser, CancellationToken.None)
                .WaitAsync(timeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or TimeoutException or OperationCanceledException)
        {
            failure = e;
        }
        // The next start's worker, started now that this one has answered (VmmSpare).
        spare.Replenish();
        if (result?.ResultCase == LaunchResult.ResultOneofCase.Status)
        {
            return (result, worker);
        }
        // The worker cleans up after a failed launch itself; a worker that did not answer is killed with its session.
        if (!worker.HasExited)
        {
            worker.Kill(entireProcessTree: true);
        }
        await worker.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        var stderr = (await errors.ConfigureAwait(false)).Trim();
        worker.Dispose();
        if (failure is OperationCanceledException)
        {
            throw failure;
        }
        var message = result?.ResultCase == LaunchResult.ResultOneofCase.Error
            ? result.Error.Message
            : failure is TimeoutException
                ? $"the VMM worker did not report within {timeout.TotalSeconds:0} s"
                : $"the VMM worker exited without reporting{(stderr.Length > 0 ? ": " + stderr : "")}";
        throw new VirtException(VirtErrorReason.HypervisorError, $"Cannot start domain '{spec.DomainName}': {message}",
            new Dictionary<string, string> { ["domain"] = spec.DomainName }, failure);
    }
}
