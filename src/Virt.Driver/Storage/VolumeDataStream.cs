namespace Virt.Driver;

/// <summary>
/// A volume's bytes opened for vol-upload or vol-download. The volume counts as in use (it cannot be deleted, wiped or
/// resized) until this is disposed; disposing flushes a written stream.
/// </summary>
public sealed class VolumeDataStream(StorageVolumeSummary volume, Stream stream, ulong size, Func<ValueTask> release) : IAsyncDisposable
{
    private int _disposed;

    public StorageVolumeSummary Volume { get; } = volume;

    /// <summary>Positioned at the requested offset.</summary>
    public Stream Stream { get; } = stream;

    /// <summary>The volume's size in bytes (file length or block device size).</summary>
    public ulong Size { get; } = size;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                await Stream.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await release().ConfigureAwait(false);
            }
        }
    }
}
