namespace Virt.Domain;

/// <summary>Why a definition was refused. The numeric values are persisted in API errors and must never change.</summary>
public enum DefinitionErrorReason
{
    /// <summary>The document is not well-formed XML.</summary>
    XmlMalformed = 1,

    /// <summary>The document carries a DTD or entity declaration, which untrusted input may not.</summary>
    DtdForbidden = 2,

    /// <summary>The document exceeds the configured size limit.</summary>
    TooLarge = 3,

    /// <summary>An element that is not part of the supported schema.</summary>
    UnknownElement = 4,

    /// <summary>An attribute that is not part of the supported schema.</summary>
    UnknownAttribute = 5,

    /// <summary>A value that cannot be parsed or is outside its allowed set or range.</summary>
    InvalidValue = 6,

    /// <summary>A required element or attribute is absent.</summary>
    MissingRequired = 7,

    /// <summary>Two parts of the definition contradict each other (duplicates, mutually exclusive settings).</summary>
    Conflict = 8,

    /// <summary>The definition exceeds an operator-configured policy limit.</summary>
    LimitExceeded = 9,
}
