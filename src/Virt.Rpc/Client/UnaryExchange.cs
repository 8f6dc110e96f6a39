namespace Virt.Rpc.Client;

/// <summary>
/// What came back for one call on the <see cref="UnaryLane"/>: the response's header fields, then either its body
/// (the gRPC frames, as received) and trailers, or the HTTP/2 error code of the stream's reset.
/// </summary>
internal sealed class UnaryExchange
{
    public List<(string Name, string Value)> Headers { get; } = [];

    /// <summary>The trailers; null for a Trailers-Only response (the status is in <see cref="Headers"/>) or a reset.</summary>
    public List<(string Name, string Value)>? Trailers { get; set; }

    public byte[] Body { get; set; } = [];

    public int BodyLength { get; set; }

    /// <summary>The RST_STREAM error code when the server reset the stream instead of ending it.</summary>
    public uint? ResetCode { get; set; }
}
