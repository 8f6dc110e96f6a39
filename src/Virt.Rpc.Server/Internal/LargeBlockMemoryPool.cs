using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Virt.Rpc.Server.Internal;

/// <summary>
/// Gives Kestrel <see cref="LargeBlockMemoryPool"/>s instead of its 4 KiB-block default (see RpcServer), and can make
/// every pool it created let go of its spare blocks (<see cref="IdleHeapTrimmer"/>).
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly ConcurrentBag<LargeBlockMemoryPool> _pools = [];

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new LargeBlockMemoryPool();
        _pools.Add(pool);
        return pool;
    }

    /// <summary>Drops the spare blocks of every pool; blocks in use stay with their connections.</summary>
    public void ReleaseSpareBlocks()
    {
        foreach (var pool in _pools)
        {
            pool.ReleaseSpareBlocks();
        }
    }
}

/// <summary>
/// Pinned 64 KiB blocks, whatever size is asked for: Kestrel's pipes read from the socket into whole blocks, so the
/// block size is the size of each receive. Pinned because every block ends up in a socket call.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockBytes = 64 * 1024;

    // Enough for a streaming upload's whole HTTP/2 window (8 MiB: 128 blocks) and the connection's own pipe. With 16,
    // the overflow of an upload's bursts was dropped and allocated again moments later, and the pinned garbage cost
    // virtd a fifth of its CPU in background collections during a 1 GiB upload; with 32, a 1 GiB upload still faulted
    // in 4,400-9,600 fresh pages (18-38 MiB of new blocks) against 1,000-2,700 with 160 (tools/bench/README.md,
    // storage, ninth session). The spare blocks stay until the idle trim lets go of them.
    private const int MaxRetainedBlocks = 160;

    private readonly ConcurrentQueue<byte[]> _free = new();

    public override int MaxBufferSize => BlockBytes;

    /// <summary>How many spare blocks the pool holds for the next rent.</summary>
    public int SpareBlocks => _free.Count;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockBytes);
        var block = _free.TryDequeue(out var reused) ? reused : GC.AllocateUninitializedArray<byte>(BlockBytes, pinned: true);
        return new Block(this, block);
    }

    /// <summary>
    /// Leaves the spare blocks to the GC. The pinned-object heap is never compacted, so a spare block kept alive at the
    /// end of a region keeps the whole region, and every freed block before it, committed and resident.
    /// </summary>
    public void ReleaseSpareBlocks() => _free.Clear();

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
