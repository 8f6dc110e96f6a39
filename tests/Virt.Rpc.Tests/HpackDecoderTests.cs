using Virt.Rpc.Wire;

namespace Virt.Rpc.Tests;

/// <summary>The unary lane's HPACK decoder against RFC 7541's own examples (Appendix C.3: requests, no Huffman coding).</summary>
public sealed class HpackDecoderTests
{
    [Test]
    public void Decodes_the_rfc_request_examples_in_sequence_with_their_dynamic_table()
    {
        var decoder = new HpackDecoder();

        Assert.That(Decode(decoder, "828684410f7777772e6578616d706c652e636f6d"), Is.EqualTo(new[]
        {
            (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"),
        }));
        Assert.That(Decode(decoder, "828684be58086e6f2d6361636865"), Is.EqualTo(new[]
        {
            (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache"),
        }));
        Assert.That(Decode(decoder, "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"), Is.EqualTo(new[]
        {
            (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value"),
        }));
    }

    [Test]
    public void A_table_size_update_evicts_what_no_longer_fits()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, "400a637573746f6d2d6b65790c637573746f6d2d76616c7565");

        Assert.That(Decode(decoder, "be"), Is.EqualTo(new[] { ("custom-key", "custom-value") }));
        Assert.Throws<InvalidDataException>(() => Decode(decoder, "20be"));
    }

    [Test]
    public void A_huffman_coded_string_is_refused_by_name()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Decode(new HpackDecoder(), "418cf1e3c2e5f23a6ba0ab90f4ff"));

        Assert.That(ex!.Message, Does.Contain("Huffman"));
    }

    [Test]
    public void Literal_encoder_output_decodes_back()
    {
        var block = new List<byte>();
        HpackLiteralEncoder.WriteIndexed(block, 3);
        HpackLiteralEncoder.WriteLiteral(block, 4, "/virt.v1.Domains/" + new string('x', 200));
        HpackLiteralEncoder.WriteLiteral(block, "grpc-timeout", "30S");

        Assert.That(Decode(new HpackDecoder(), Convert.ToHexString(block.ToArray())), Is.EqualTo(new[]
        {
            (":method", "POST"), (":path", "/virt.v1.Domains/" + new string('x', 200)), ("grpc-timeout", "30S"),
        }));
    }

    private static (string, string)[] Decode(HpackDecoder decoder, string hex)
    {
        var fields = new List<(string Name, string Value)>();
        decoder.Decode(Convert.FromHexString(hex), fields);
        return [.. fields];
    }
}
