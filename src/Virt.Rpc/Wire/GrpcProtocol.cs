namespace Virt.Rpc.Wire;

/// <summary>Names and values fixed by the gRPC-over-HTTP/2 protocol (PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string TimeoutHeader = "grpc-timeout";
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string IdentityEncoding = "identity";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string UserAgent = "virt-rpc/1.0";

    /// <summary>A frame is a 1-byte compressed flag and a 4-byte big-endian length, then the message.</summary>
    public const int FrameHeaderSize = 5;

    /// <summary>Receive limit when none is configured, as in other gRPC implementations.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>True for "application/grpc" and its "+proto"-style and parameterised variants.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (contentType.Length == ContentType.Length)
        {
            return true;
        }
        var next = contentType[ContentType.Length];
        return next is '+' or ';';
    }

    /// <summary>Headers that the protocol owns; they never appear in user-visible metadata.</summary>
    public static bool IsReservedHeader(string name) =>
        name.StartsWith(':')
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("user-agent", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("date", StringComparison.OrdinalIgnoreCase)
        || name.Equals("server", StringComparison.OrdinalIgnoreCase)
        || name.Equals(TimeoutHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(StatusTrailer, StringComparison.OrdinalIgnoreCase)
        || name.Equals(MessageTrailer, StringComparison.OrdinalIgnoreCase)
        || name.Equals(EncodingHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(AcceptEncodingHeader, StringComparison.OrdinalIgnoreCase);

    /// <summary>Decodes a binary header value; senders may omit base64 padding and may comma-join several values.</summary>
    public static IEnumerable<byte[]> DecodeBinaryHeader(string value)
    {
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var padding = (4 - (part.Length % 4)) % 4;
            yield return Convert.FromBase64String(padding == 0 ? part : part + new string('=', padding));
        }
    }
}
