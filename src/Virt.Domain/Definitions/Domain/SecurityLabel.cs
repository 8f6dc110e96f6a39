namespace Virt.Domain;

/// <summary>A security driver label (<c>&lt;seclabel&gt;</c>).</summary>
public sealed record SecurityLabel
{
    /// <summary>Label kind.</summary>
    public SecurityLabelType Type { get; init; }

    /// <summary>Security driver, e.g. <c>dac</c>, <c>selinux</c>, <c>apparmor</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Whether images are relabelled.</summary>
    public bool? Relabel { get; init; }

    /// <summary>Process label.</summary>
    public string? Label { get; init; }

    /// <summary>Image label.</summary>
    public string? ImageLabel { get; init; }

    /// <summary>Base label for dynamic labelling.</summary>
    public string? BaseLabel { get; init; }
}
