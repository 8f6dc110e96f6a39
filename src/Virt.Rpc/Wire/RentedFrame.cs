using System.Buffers;

namespace Virt.Rpc.Wire;

/// <summary>One serialized frame: the first <see cref="Length"/> bytes of <see cref="Array"/>, maybe a pooled array.</summary>
internal readonly struct RentedFrame(byte[] array, int length, bool pooled) : IDisposable
{
    public byte[] Array { get; } = array;

    public int Length { get; } = length;

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    /// <summary>An exact-length copy (or the array itself when it is one).</summary>
    public byte[] ToArray() => !pooled && Array.Length == Length ? Array : Array.AsSpan(0, Length).ToArray();

    /// <summary>Returns a pooled array; the frame must not be used afterwards.</summary>
    public void Dispose()
    {
        if (pooled)
        {
            ArrayPool<byte>.Shared.Return(Array);
        }
    }
}
