using Grpc.Core;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Tests;

public sealed class WireTests
{
    [TestCase("1H", 3_600_000_000_000L)]
    [TestCase("2M", 120_000_000_000L)]
    [TestCase("3S", 3_000_000_000L)]
    [TestCase("250m", 250_000_000L)]
    [TestCase("7u", 7_000L)]
    [TestCase("1500n", 1_500L)]
    [TestCase("99999999S", 99_999_999_000_000_000L)]
    public void Timeout_header_parses_every_unit(string header, long nanoseconds)
    {
        Assert.That(GrpcTimeout.TryParse(header, out var timeout), Is.True);
        Assert.That(timeout.Ticks, Is.EqualTo(nanoseconds / 100));
    }

    [TestCase("")]
    [TestCase("S")]
    [TestCase("10")]
    [TestCase("10x")]
    [TestCase("-1S")]
    [TestCase("123456789S")]
    [TestCase("1.5S")]
    public void Malformed_timeout_headers_are_rejected(string header) =>
        Assert.That(GrpcTimeout.TryParse(header, out _), Is.False);

    [TestCase(0.0005)]
    [TestCase(0.25)]
    [TestCase(30)]
    [TestCase(86_400 * 3)]
    public void Formatted_timeouts_fit_eight_digits_and_never_shorten_the_deadline(double seconds)
    {
        var timeout = TimeSpan.FromSeconds(seconds);
        var header = GrpcTimeout.Format(timeout);

        Assert.That(header.Length, Is.LessThanOrEqualTo(9));
        Assert.That(GrpcTimeout.TryParse(header, out var parsed), Is.True);
        Assert.That(parsed, Is.GreaterThanOrEqualTo(timeout));
        Assert.That(parsed - timeout, Is.LessThan(TimeSpan.FromTicks(Math.Max(timeout.Ticks / 1000, 10))));
    }

    [TestCase("plain ascii", "plain ascii")]
    [TestCase("100%", "100%25")]
    [TestCase("line1\nline2", "line1%0Aline2")]
    [TestCase("ünï", "%C3%BCn%C3%AF")]
    public void Grpc_message_is_percent_encoded_as_the_protocol_specifies(string message, string wire)
    {
        Assert.That(GrpcMessageEncoding.Encode(message), Is.EqualTo(wire));
        Assert.That(GrpcMessageEncoding.Decode(wire), Is.EqualTo(message));
    }

    [Test]
    public void Malformed_percent_escapes_are_kept_verbatim() =>
        Assert.That(GrpcMessageEncoding.Decode("50%zz and %4"), Is.EqualTo("50%zz and %4"));

    [TestCase("application/grpc", true)]
    [TestCase("application/grpc+proto", true)]
    [TestCase("application/grpc; charset=utf-8", true)]
    [TestCase("application/grpcx", false)]
    [TestCase("application/json", false)]
    [TestCase(null, false)]
    public void Content_type_check_accepts_grpc_variants_only(string? contentType, bool accepted) =>
        Assert.That(GrpcProtocol.IsGrpcContentType(contentType), Is.EqualTo(accepted));

    [TestCase(2, 1)]
    [TestCase(2, 127)]
    [TestCase(2, 128)]
    [TestCase(2, 16_383)]
    [TestCase(2, 16_384)]
    [TestCase(2, 262_144)]
    [TestCase(2, 2_097_152)]
    [TestCase(15, 300)]
    [TestCase(16, 300)]
    [TestCase(2_047, 300)]
    [TestCase(2_048, 300)]
    [TestCase(536_870_911, 300)]
    public void A_data_prefix_and_its_bytes_are_the_frame_protobuf_makes_of_the_message(int field, int dataLength)
    {
        var data = Enumerable.Range(0, dataLength).Select(i => (byte)(i * 7 + 1)).ToArray();
        using var serialized = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(serialized);
        output.WriteTag(field, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(Google.Protobuf.ByteString.CopyFrom(data));
        output.Flush();
        var payload = serialized.ToArray();
        var expected = new byte[GrpcProtocol.FrameHeaderSize + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(expected.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(expected, GrpcProtocol.FrameHeaderSize);

        var prefix = new byte[GrpcFrame.MaxDataPrefixBytes];
        var prefixLength = GrpcFrame.WriteDataPrefix(prefix, field, dataLength, null);

        Assert.That(prefix.AsSpan(0, prefixLength).ToArray().Concat(data).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void A_data_message_over_the_send_limit_is_RESOURCE_EXHAUSTED()
    {
        var prefix = new byte[GrpcFrame.MaxDataPrefixBytes];

        var error = Assert.Throws<RpcException>(() => GrpcFrame.WriteDataPrefix(prefix, 2, 1_000, 1_000));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(GrpcFrame.WriteDataPrefix(prefix, 2, 997, 1_000), Is.EqualTo(GrpcProtocol.FrameHeaderSize + 3), "997 bytes, a tag and a 2-byte length: exactly the limit");
    }
}
