namespace Virt.Cli.Output;

/// <summary>
/// The character set virsh runs under. It changes how table cells are measured and escaped: under a UTF-8
/// locale cells are measured with glibc's wcwidth, under the C locale every non-ASCII byte prints as <c>\xff</c>.
/// </summary>
public enum TextLocale
{
    /// <summary>A UTF-8 locale such as C.UTF-8 or en_US.UTF-8.</summary>
    Utf8,

    /// <summary>The C (POSIX) locale, with no multibyte support.</summary>
    C,
}
