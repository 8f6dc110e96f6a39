namespace Virt.Cli.Output;

/// <summary>Options that change every command's output the way virsh's global options do.</summary>
/// <param name="Quiet">virsh <c>-q</c>: no table header and no blank line after each command.</param>
/// <param name="Locale">The locale virsh would run under; see <see cref="TextLocale"/>.</param>
public sealed record VirshOutputOptions(bool Quiet = false, TextLocale Locale = TextLocale.Utf8)
{
    /// <summary>virsh's defaults under a UTF-8 locale.</summary>
    public static VirshOutputOptions Default { get; } = new();
}
