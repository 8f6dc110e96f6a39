using System.Text;

namespace Virt.Cli.Output;

/// <summary>Accumulates one command's stdout the way vshPrint does, and ends it as virsh's command loop does.</summary>
internal sealed class TextBuilder(VirshOutputOptions? options)
{
    private readonly StringBuilder _text = new();

    public VirshOutputOptions Options { get; } = options ?? VirshOutputOptions.Default;

    /// <summary><c>"%-15s %s\n"</c>: the label/value lines of dominfo, net-info and pool-info.</summary>
    public TextBuilder Field(string label, string value)
    {
        _text.Append(label.PadRight(15)).Append(' ').Append(value).Append('\n');
        return this;
    }

    public TextBuilder Line(string line)
    {
        _text.Append(line).Append('\n');
        return this;
    }

    public TextBuilder Raw(string text)
    {
        _text.Append(text);
        return this;
    }

    public TextBuilder Table(VirshTable table)
    {
        _text.Append(table.Render(!Options.Quiet, Options.Locale));
        return this;
    }

    // Non-interactive virsh prints a blank line after every command (vshPrintExtra, so -q drops it).
    public string Finish()
    {
        if (!Options.Quiet)
        {
            _text.Append('\n');
        }

        return _text.ToString();
    }
}
