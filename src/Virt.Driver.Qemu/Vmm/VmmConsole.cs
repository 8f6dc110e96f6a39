using System.Runtime.CompilerServices;
using Google.Protobuf;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>A console attached through the guest's worker: its connection carries <see cref="ConsoleFrame"/>s both ways.</summary>
internal sealed class VmmConsole(Stream stream, string device, DomainSummary domain) : IDomainConsole
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public string Device { get; } = device;

    public DomainSummary Domain { get; } = domain;

    public async IAsyncEnumerable<ConsoleOutput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            ConsoleFrame? frame;
            try
            {
                frame = await WorkerWire.ReadAsync(stream, ConsoleFrame.Parser, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException)
            {
                frame = new ConsoleFrame { Closed = new ConsoleClosed { Reason = Vmm.Protocol.ConsoleCloseReason.Error, Message = e.Message } };
            }
            if (frame is null)
            {
                yield return new ConsoleOutput(ReadOnlyMemory<byte>.Empty, ConsoleCloseReason.GuestStopped, "the guest's worker ended the console");
                yield break;
            }
            if (frame.KindCase == ConsoleFrame.KindOneofCase.Closed)
            {
                yield return new ConsoleOutput(ReadOnlyMemory<byte>.Empty, (ConsoleCloseReason)(int)frame.Closed.Reason, frame.Closed.Message);
                yield break;
            }
            yield return new ConsoleOutput(frame.Data.Memory);
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WorkerWire.WriteAsync(stream, new ConsoleFrame { Data = ByteString.CopyFrom(data.Span) }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new VirtException(VirtErrorReason.OperationInvalid, $"The console of domain '{Domain.Name}' is closed: {e.Message}",
                new Dictionary<string, string> { ["domain"] = Domain.Name }, e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }
}
