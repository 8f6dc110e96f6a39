using System.Globalization;
using System.Net;
using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Client;

internal sealed partial class ClientCall<TRequest, TResponse>
{
    /// <summary>
    /// Runs a unary call on the channel's <see cref="UnaryLane"/> when it is free and the request fits it. Taken: the
    /// call has finished (its status is set), with its response on success. Not taken: nothing was sent, and the call
    /// goes the pooled way.
    /// </summary>
    private async Task<(bool Taken, TResponse? Response)> TryOnLaneAsync(UnaryLane lane, byte[] frame)
    {
        if (HeaderBlock() is not { } headerBlock || !lane.TryEnter())
        {
            return (false, null);
        }
        UnaryExchange? exchange;
        try
        {
            exchange = await lane.CallAsync(headerBlock, frame, _channel.Options.MaxReceiveMessageSize + GrpcProtocol.FrameHeaderSize, _callCts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex), null);
            return (true, null);
        }
        finally
        {
            lane.Exit();
        }
        return exchange is null ? (false, null) : (true, Complete(exchange));
    }

    /// <summary>
    /// The request's headers as an HPACK block, the same ones <see cref="CreateRequest"/> sends; null when a metadata
    /// value is not plain ASCII (the pooled path encodes those as it always has).
    /// </summary>
    private List<byte>? HeaderBlock()
    {
        var block = new List<byte>(128);
        HpackLiteralEncoder.WriteIndexed(block, 3); // :method POST
        HpackLiteralEncoder.WriteIndexed(block, 6); // :scheme http
        HpackLiteralEncoder.WriteLiteral(block, 4, new Uri(_channel.BaseAddress, _method.FullName).AbsolutePath); // :path
        HpackLiteralEncoder.WriteLiteral(block, 1, _channel.BaseAddress.Authority); // :authority
        HpackLiteralEncoder.WriteLiteral(block, 31, GrpcProtocol.ContentType); // content-type
        HpackLiteralEncoder.WriteLiteral(block, GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        HpackLiteralEncoder.WriteLiteral(block, 58, GrpcProtocol.UserAgent); // user-agent
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            HpackLiteralEncoder.WriteLiteral(block, GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline.ToUniversalTime() - DateTime.UtcNow));
        }
        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    continue;
                }
                var value = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
                if (!HpackLiteralEncoder.IsPlainAscii(entry.Key) || !HpackLiteralEncoder.IsPlainAscii(value))
                {
                    return null;
                }
                HpackLiteralEncoder.WriteLiteral(block, entry.Key.ToLowerInvariant(), value);
            }
        }
        return block;
    }

    /// <summary>Finishes the call from what the lane received, as the pooled path does from an HttpResponseMessage.</summary>
    private TResponse? Complete(UnaryExchange exchange)
    {
        var httpStatus = HeaderMetadata.Find(exchange.Headers, ":status");
        if (httpStatus != "200")
        {
            var code = int.TryParse(httpStatus, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
            Finish(new Status(GrpcStatusMapping.FromHttpStatus((HttpStatusCode)code), $"Bad gRPC response. HTTP status code: {httpStatus ?? "(none)"}"), null);
            return null;
        }
        if (HeaderMetadata.Find(exchange.Headers, GrpcProtocol.StatusTrailer) is not null)
        {
            // Trailers-Only: the status came in the headers and no message follows.
            Finish(HeaderMetadata.ReadStatus(exchange.Headers), HeaderMetadata.From(exchange.Headers));
            return null;
        }
        var contentType = HeaderMetadata.Find(exchange.Headers, "content-type");
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType ?? "(none)"}"), null);
            return null;
        }
        _headersTcs.TrySetResult(HeaderMetadata.From(exchange.Headers));
        if (exchange.ResetCode is { } reset)
        {
            Finish(StatusFromReset(reset, "the server reset the stream", null), null);
            return null;
        }
        TResponse? response;
        try
        {
            response = SingleMessage(exchange.Body.AsSpan(0, exchange.BodyLength), exchange.Body);
        }
        catch (RpcException ex)
        {
            Finish(ex.Status, null);
            return null;
        }
        if (exchange.Trailers is not { } trailers || HeaderMetadata.Find(trailers, GrpcProtocol.StatusTrailer) is null)
        {
            Finish(new Status(StatusCode.Internal, "The server ended the response without a grpc-status trailer."), exchange.Trailers is null ? null : HeaderMetadata.From(exchange.Trailers));
            return null;
        }
        var status = HeaderMetadata.ReadStatus(trailers);
        if (status.StatusCode == StatusCode.OK && response is null)
        {
            status = new Status(StatusCode.Internal, "The server ended the call with OK but sent no response message.");
        }
        Finish(status, HeaderMetadata.From(trailers));
        return status.StatusCode == StatusCode.OK ? response : null;
    }

    /// <summary>The body's one message, or null for none; more than one, or a partial one, is an INTERNAL error.</summary>
    private TResponse? SingleMessage(ReadOnlySpan<byte> body, byte[] array)
    {
        if (body.IsEmpty)
        {
            return null;
        }
        if (body.Length < GrpcProtocol.FrameHeaderSize)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message header ({body.Length} of {GrpcProtocol.FrameHeaderSize} bytes)."));
        }
        var length = GrpcFrame.PayloadLength(body, _channel.Options.MaxReceiveMessageSize);
        var end = GrpcProtocol.FrameHeaderSize + length;
        if (body.Length < end)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The stream ended inside a message ({body.Length - GrpcProtocol.FrameHeaderSize} of {length} bytes)."));
        }
        if (body.Length > end)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The server sent more than one message for a call that expects one."));
        }
        var payload = length == 0 ? [] : array.AsSpan(GrpcProtocol.FrameHeaderSize, length).ToArray();
        return GrpcFrame.Deserialize(_method.ResponseMarshaller, payload);
    }
}
