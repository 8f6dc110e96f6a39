namespace Virt.Domain;

/// <summary>Emulated sound card model.</summary>
public enum SoundModel
{
    /// <summary>XML value <c>sb16</c>.</summary>
    Sb16,

    /// <summary>XML value <c>es1370</c>.</summary>
    Es1370,

    /// <summary>XML value <c>pcspk</c>.</summary>
    Pcspk,

    /// <summary>XML value <c>ac97</c>.</summary>
    Ac97,

    /// <summary>XML value <c>ich6</c>.</summary>
    Ich6,

    /// <summary>XML value <c>ich7</c>.</summary>
    Ich7,

    /// <summary>XML value <c>ich9</c>.</summary>
    Ich9,

    /// <summary>XML value <c>usb</c>.</summary>
    Usb,
}
