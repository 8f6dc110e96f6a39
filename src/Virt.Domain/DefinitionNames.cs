namespace Virt.Domain;

/// <summary>
/// The name rule for domains, networks, pools and volumes. libvirt only forbids '/' (and newlines in domain
/// names); Virt is stricter because names become file names: 1–200 characters, no '/', no control
/// characters, and no leading '.', so that no name can be a hidden file or walk out of its directory.
/// </summary>
public static class DefinitionNames
{
    /// <summary>Longest accepted name in characters; leaves room for suffixes within the 255-byte file name limit.</summary>
    public const int MaxLength = 200;

    /// <summary>The rule, as shown in error messages.</summary>
    public const string Rule = "1 to 200 characters, no '/', no control characters, not starting with '.'";

    /// <summary>Checks a name against the rule.</summary>
    /// <param name="name">The candidate.</param>
    /// <returns>Null when valid, otherwise what is wrong.</returns>
    public static string? Check(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "The name is empty";
        }
        if (name.Length > MaxLength)
        {
            return $"The name is {name.Length} characters long, over the limit of {MaxLength}";
        }
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return $"The name '{name}' contains '/'";
        }
        if (name.Any(char.IsControl))
        {
            return "The name contains a control character";
        }
        if (name[0] == '.')
        {
            return $"The name '{name}' starts with '.'";
        }
        return null;
    }
}
