namespace Virt.Cli.Output;

/// <summary>glibc's <c>wcwidth</c> in a UTF-8 locale, with unprintable characters (<c>iswprint</c> false) as -1.</summary>
public static class GlibcWidth
{
    /// <summary>The terminal columns code point <paramref name="codePoint"/> takes: -1, 0, 1 or 2.</summary>
    public static int Of(int codePoint)
    {
        var ranges = GlibcWidthTable.Ranges;
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var (first, last, width) = ranges[mid];
            if (codePoint < first)
            {
                hi = mid - 1;
            }
            else if (codePoint > last)
            {
                lo = mid + 1;
            }
            else
            {
                return width;
            }
        }

        return 1;
    }
}
