using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Virt.Rpc.Server.Internal;

/// <summary>Gives Kestrel <see cref="LargeBlockMemoryPool"/>s instead of its 4 KiB-block default (see RpcServer).</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}

/// <summary>
/// Pinned 64 KiB blocks, whatever size is asked for: Kestrel's pipes read from the socket into whole blocks, so the
/// block size is the size of each receive. Pinned because every block ends up in a socket call.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockBytes = 64 * 1024;

    // Enough for a burst of streaming on a few connections; more is left to the GC, so an upload that filled its
    // 8 MiB HTTP/2 window does not keep that much memory afterwards.
    private const int MaxRetainedBlocks = 16;

    private readonly ConcurrentQueue<byte[]> _free = new();

    public override int MaxBufferSize => BlockBytes;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockBytes);
        var block = _free.TryDequeue(out var reused) ? reused : GC.AllocateUninitializedArray<byte>(BlockBytes, pinned: true);
        return new Block(this, block);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private void Return(byte[] block)
    {
        // The count is read without a lock: a race retains a block or two more or less, which is harmless.
        if (_free.Count < MaxRetainedBlocks)
        {
            _free.Enqueue(block);
        }
    }

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }
}
