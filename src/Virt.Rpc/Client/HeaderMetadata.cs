using System.Globalization;
using System.Net.Http.Headers;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

/// <summary>Converts HTTP response headers and trailers to gRPC metadata and status.</summary>
internal static class HeaderMetadata
{
    public static Metadata From(HttpHeaders headers) => From(headers.Select(h => (h.Key, (IEnumerable<string>)h.Value)));

    /// <summary>Header fields as the unary lane decodes them (<see cref="Http2UnaryConnection"/>).</summary>
    public static Metadata From(List<(string Name, string Value)> fields) => From(fields.Select(f => (f.Name, (IEnumerable<string>)[f.Value])));

    private static Metadata From(IEnumerable<(string Name, IEnumerable<string> Values)> headers)
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

    public static Status ReadStatus(HttpHeaders headers) => ReadStatus(
        headers.TryGetValues(GrpcProtocol.StatusTrailer, out var statusValues) ? statusValues.FirstOrDefault() : null,
        headers.TryGetValues(GrpcProtocol.MessageTrailer, out var messageValues) ? messageValues.FirstOrDefault() : null);

    public static Status ReadStatus(List<(string Name, string Value)> fields) => ReadStatus(Find(fields, GrpcProtocol.StatusTrailer), Find(fields, GrpcProtocol.MessageTrailer));

    /// <summary>The first value of the field <paramref name="name"/>, or null.</summary>
    public static string? Find(List<(string Name, string Value)> fields, string name)
    {
        foreach (var (fieldName, value) in fields)
        {
            if (fieldName.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        return null;
    }

    private static Status ReadStatus(string? rawStatus, string? message)
    {
        if (!int.TryParse(rawStatus, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"The server sent an unparsable grpc-status '{rawStatus}'.");
        }
        return new Status((StatusCode)code, message is null ? "" : GrpcMessageEncoding.Decode(message));
    }
}
