using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Virt.Cli.Runtime;

/// <summary>
/// <c>--json</c>: each command prints one JSON document on one line. Written with <see cref="Utf8JsonWriter"/> by
/// hand, field by field, so the document is the CLI's stable contract (not a serializer's view of the proto types)
/// and nothing needs reflection under NativeAOT.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions _options = new()
    {
        // Names and XML stay readable; the output is for programs, not for embedding in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>One document, ending with a newline.</summary>
    public static string Document(Action<Utf8JsonWriter> writeObjectBody)
    {
        ArgumentNullException.ThrowIfNull(writeObjectBody);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, _options))
        {
            writer.WriteStartObject();
            writeObjectBody(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>A nullable integer: the number, or null (an inactive domain's id).</summary>
    public static void NumberOrNull(this Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A nullable real number: the number, or null (a percentage of nothing).</summary>
    public static void NumberOrNull(this Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A nullable string.</summary>
    public static void StringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
