using Microsoft.Win32.SafeHandles;
using Virt.Vmm.Protocol;

namespace Virt.Vmm;

/// <summary>
/// The launch's one answer to virtd, on the pipe that was the worker's stdout: sent once, whichever thread gets there
/// first (the monitor's reader thread the moment <c>cont</c> is answered, or the launch's end), and written there and
/// then with one blocking <c>write</c>, where an asynchronous write on a pipe queued it to a thread-pool worker.
/// </summary>
internal sealed class LaunchAnswer(int pipe)
{
    private int _sent;

    public void Send(LaunchResult result)
    {
        if (Interlocked.Exchange(ref _sent, 1) == 1)
        {
            return;
        }
        try
        {
            using var stream = new FileStream(new SafeFileHandle(pipe, ownsHandle: true), FileAccess.Write, bufferSize: 0);
            stream.Write(WorkerWire.Frame(result));
        }
        catch (IOException e)
        {
            // virtd died while waiting; the next one finds this guest through the state file and the socket.
            WorkerLog.Write("virtd did not read the launch answer: " + e.Message);
        }
    }
}
