using Google.Rpc;
using Grpc.Core;
using Virt.Api;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>
/// A failed call or connection, typed: the gRPC code, the <see cref="ErrorReason"/> and metadata from the server's
/// <c>google.rpc.ErrorInfo</c>, and the server's message (libvirt's wording, which vsh prints after <c>error: </c>).
/// Handle an unknown <see cref="Reason"/> by its <see cref="Code"/>: reasons are added over time.
/// </summary>
public sealed class VirtClientException : Exception
{
    private VirtClientException(string message, StatusCode code, ErrorReason reason, IReadOnlyDictionary<string, string> metadata, Exception? inner)
        : base(message, inner)
    {
        Code = code;
        Reason = reason;
        Metadata = metadata;
    }

    /// <summary>The gRPC status code.</summary>
    public StatusCode Code { get; }

    /// <summary>Why it failed, from ErrorInfo; <see cref="ErrorReason.Unspecified"/> when the server sent none (e.g. the transport failed).</summary>
    public ErrorReason Reason { get; }

    /// <summary>ErrorInfo's metadata: the objects involved (<c>domain</c>, <c>field</c>, <c>job</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The typed form of a failed call of a generated client (<see cref="VirtConnection.Domains"/> and the others).</summary>
    public static VirtClientException From(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var reason = ErrorReason.Unspecified;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var raw = e.Trailers.FirstOrDefault(t => t.IsBinary && t.Key == ApiErrors.StatusDetailsTrailer);
        if (raw is not null)
        {
            try
            {
                var status = Google.Rpc.Status.Parser.ParseFrom(raw.ValueBytes);
                var info = status.Details.FirstOrDefault(d => d.Is(ErrorInfo.Descriptor))?.Unpack<ErrorInfo>();
                if (info is not null)
                {
                    reason = ApiErrors.ParseReason(info.Reason);
                    foreach (var (key, value) in info.Metadata)
                    {
                        metadata[key] = value;
                    }
                }
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                // A malformed details trailer leaves the error typed by its code alone, as for an unknown reason.
            }
        }
        return new VirtClientException(e.Status.Detail, e.StatusCode, reason, metadata, e);
    }

    internal static VirtClientException Local(StatusCode code, ErrorReason reason, string message, Exception? inner = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(message, code, reason, metadata ?? new Dictionary<string, string>(), inner);
}
