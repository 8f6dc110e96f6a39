namespace Virt.Cli.Output.Tests;

/// <summary>vsh-table.c's layout rules, on cells the parity tests cannot easily reach.</summary>
public sealed class VirshTableTests
{
    [Test]
    public void Empty_table_is_the_header_and_a_dash_line_of_width_plus_three_per_column()
    {
        Assert.That(new VirshTable("Id", "Name", "State").Render(), Is.EqualTo(" Id   Name   State\n--------------------\n"));
    }

    [Test]
    public void Empty_table_without_header_is_empty()
    {
        Assert.That(new VirshTable("Id", "Name").Render(header: false), Is.Empty);
    }

    [Test]
    public void Columns_widen_to_the_widest_cell_and_the_last_column_is_not_padded()
    {
        var text = new VirshTable("A", "B").AddRow("longer", "x").AddRow("s", "yy").Render();
        Assert.That(text, Is.EqualTo(" A        B\n--------------\n longer   x\n s        yy\n"));
    }

    [Test]
    public void Double_width_characters_count_two_columns()
    {
        var text = new VirshTable("Name", "State").AddRow("日本", "running").Render();
        Assert.That(text, Is.EqualTo(" Name   State\n-----------------\n 日本   running\n"));
    }

    [Test]
    public void Combining_marks_take_no_column()
    {
        var text = new VirshTable("N", "S").AddRow("e\u0301e", "x").Render();
        Assert.That(text, Is.EqualTo(" N    S\n---------\n e\u0301e   x\n"));
    }

    [Test]
    public void Control_characters_and_a_literal_backslash_x_are_escaped_and_count_four_columns()
    {
        var text = new VirshTable("N", "S").AddRow("a\tb\\x", "x").Render();
        Assert.That(text, Is.EqualTo(" N             S\n------------------\n a\\x09b\\x5cx   x\n"));
    }

    [Test]
    public void C_locale_prints_every_non_ascii_byte_as_backslash_xff()
    {
        var text = new VirshTable("N", "S").AddRow("ü", "x").Render(locale: TextLocale.C);
        Assert.That(text, Is.EqualTo(" N          S\n---------------\n \\xff\\xff   x\n"));
    }

    [Test]
    public void Without_header_widths_come_from_the_rows_alone()
    {
        var text = new VirshTable("Identifier", "Name").AddRow("1", "test").Render(header: false);
        Assert.That(text, Is.EqualTo(" 1   test\n"));
    }

    [Test]
    public void A_row_with_the_wrong_number_of_cells_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new VirshTable("A", "B").AddRow("only one"));
    }

    [Test]
    public void Text_after_a_nul_does_not_exist_for_virsh()
    {
        Assert.That(CellText.Encode("ab\0cd", TextLocale.Utf8), Is.EqualTo(("ab", 2)));
    }

    [TestCase(0x41, 1)]
    [TestCase(0x301, 0)]
    [TestCase(0x4E00, 2)]
    [TestCase(0xFF21, 2)]
    [TestCase(0x1F600, 2)]
    [TestCase(0x7, -1)]
    [TestCase(0x378, -1)]
    public void Glibc_width_table(int codePoint, int width)
    {
        Assert.That(GlibcWidth.Of(codePoint), Is.EqualTo(width));
    }
}
