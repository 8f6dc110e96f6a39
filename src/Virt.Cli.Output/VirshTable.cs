using System.Text;

namespace Virt.Cli.Output;

/// <summary>
/// A table laid out exactly as vsh-table.c lays it out: every cell is preceded by one space, every column but
/// the last is padded to its widest cell plus two spaces, and the header is underlined by a line of dashes
/// as long as the sum of (column width + 3). Widths are display widths (<see cref="CellText"/>), and without
/// a header (virsh <c>-q</c>) they are measured over the rows alone.
/// </summary>
public sealed class VirshTable
{
    private readonly string[] _header;
    private readonly List<string[]> _rows = [];

    /// <summary>A table with these column titles.</summary>
    public VirshTable(params string[] header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Length == 0)
        {
            throw new ArgumentException("A table needs at least one column.", nameof(header));
        }

        _header = [.. header];
    }

    /// <summary>Appends a row; it must have one cell per column, as vshTableRowAppend requires.</summary>
    public VirshTable AddRow(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _header.Length)
        {
            throw new ArgumentException(
                $"The table has {_header.Length} columns but the row has {cells.Length} cells.", nameof(cells));
        }

        _rows.Add([.. cells]);
        return this;
    }

    /// <summary>The table text, each line ending in <c>\n</c> (no trailing blank line: that is the command's).</summary>
    public string Render(bool header = true, TextLocale locale = TextLocale.Utf8)
    {
        var columns = _header.Length;
        var maxWidths = new int[columns];
        var encodedHeader = Measure(_header, header, maxWidths, locale);
        var encodedRows = _rows.Select(r => Measure(r, true, maxWidths, locale)).ToList();

        var text = new StringBuilder();
        if (header)
        {
            AppendRow(text, encodedHeader, maxWidths);
            text.Append('-', maxWidths.Sum(w => w + 3)).Append('\n');
        }

        foreach (var row in encodedRows)
        {
            AppendRow(text, row, maxWidths);
        }

        return text.ToString();
    }

    private static (string Text, int Width)[] Measure(string[] cells, bool counts, int[] maxWidths, TextLocale locale)
    {
        var encoded = new (string Text, int Width)[cells.Length];
        for (var j = 0; j < cells.Length; j++)
        {
            encoded[j] = CellText.Encode(cells[j], locale);
            if (counts && encoded[j].Width > maxWidths[j])
            {
                maxWidths[j] = encoded[j].Width;
            }
        }

        return encoded;
    }

    private static void AppendRow(StringBuilder text, (string Text, int Width)[] row, int[] maxWidths)
    {
        for (var i = 0; i < row.Length; i++)
        {
            text.Append(' ').Append(row[i].Text);
            if (i < row.Length - 1)
            {
                // size_t arithmetic in virsh; a header cell wider than the rows only happens with the header shown,
                // where it is part of maxWidths, so this never goes negative.
                text.Append(' ', maxWidths[i] - row[i].Width + 2);
            }
        }

        text.Append('\n');
    }
}
