using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Virt.Vmm.Protocol;

namespace Virt.Vmm;

/// <summary>
/// What every launch does first, done while a spare worker waits for its launch spec (virtd starts it ahead,
/// src/Virt.Driver.Qemu's VmmSpare), so that a start does not pay it. In a launch traced and profiled on the shared
/// 2-CPU machine (tools/bench/README.md) the worker spent about a millisecond starting .NET's timer thread (the launch's
/// timeout: the first timer starts it, and a thread's start yields until the new thread runs), most of another in
/// static constructors and first calls (protobuf messages, System.Text.Json, sockets), and some on reflection for its
/// version string. Nothing here has an effect outside this process.
/// </summary>
internal static class SpareWarmUp
{
    public static async Task RunAsync()
    {
        _ = WorkerProgram.Version;
        // The timer thread.
        using (new CancellationTokenSource(TimeSpan.FromHours(1)))
        {
        }
        // The log line's time stamp (WorkerLog).
        _ = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        // Protobuf's and System.Text.Json's first calls: the launch answer, events, QMP's lines.
        _ = new LaunchResult { Status = new WorkerStatus(), Events = { new WorkerEvent { Name = "VMM_STARTED" } } }.ToByteArray();
        _ = LaunchSpec.Parser.ParseFrom(ReadOnlySpan<byte>.Empty);
        _ = (JsonNode.Parse("""{"return": {}, "id": 1}""") as JsonObject)?["return"];
        _ = new JsonObject { ["execute"] = "cont", ["id"] = 1L }.ToJsonString();
        // Sockets: an asynchronous receive on a connected pair starts .NET's socket engine and its epoll thread, which
        // the control connections use (the monitor and the console are read by threads of their own, WorkerThreads).
        var (first, second) = Native.ConnectedPair();
        using var reader = new Socket(new SafeSocketHandle(first, ownsHandle: true));
        using var writer = new Socket(new SafeSocketHandle(second, ownsHandle: true));
        writer.Send("\n"u8);
        _ = await reader.ReceiveAsync(new byte[1], SocketFlags.None);
    }
}
