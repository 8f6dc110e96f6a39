using System.Globalization;
using System.Net.Http.Headers;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

/// <summary>Converts HTTP response headers and trailers to gRPC metadata and status.</summary>
internal static class HeaderMetadata
{
    public static Metadata From(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (Metadata.Entry.IsBinaryKey(name))
                {
                    foreach (var bytes in GrpcProtocol.DecodeBinaryHeader(value))
                    {
                        metadata.Add(name, bytes);
                    }
                }
                else
                {
                    metadata.Add(name, value);
                }
            }
        }
        return metadata;
    }

    public static Status ReadStatus(HttpHeaders headers)
    {
        var rawStatus = headers.TryGetValues(GrpcProtocol.StatusTrailer, out var statusValues) ? statusValues.FirstOrDefault() : null;
        if (!int.TryParse(rawStatus, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"The server sent an unparsable grpc-status '{rawStatus}'.");
        }
        var message = headers.TryGetValues(GrpcProtocol.MessageTrailer, out var messageValues) ? messageValues.FirstOrDefault() : null;
        return new Status((StatusCode)code, message is null ? "" : GrpcMessageEncoding.Decode(message));
    }
}
