namespace Virt.Qemu.CommandLine;

/// <summary>
/// The definition cannot be expressed as a QEMU command line for this binary and host. <see cref="Location"/> names
/// the offending element or attribute (XPath-like, 1-based, e.g. <c>/domain/devices/disk[2]/target/@bus</c>);
/// the message says what is allowed instead.
/// </summary>
public sealed class QemuCommandLineException : Exception
{
    public QemuCommandLineException(string location, string detail)
        : base($"{detail} (at {location})")
    {
        Location = location;
        Detail = detail;
    }

    /// <summary>Where in the definition the problem is.</summary>
    public string Location { get; }

    /// <summary>The sentence without the location.</summary>
    public string Detail { get; }
}
