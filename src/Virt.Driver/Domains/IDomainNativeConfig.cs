namespace Virt.Driver;

/// <summary>
/// virsh domxml-to-native (libvirt's virConnectDomainXMLToNative): the command a start of a domain XML would run. Its
/// own contract because only a driver that runs a hypervisor process has one; the API answers OPERATION_UNSUPPORTED
/// for a driver without it, as libvirt's test driver does.
/// </summary>
public interface IDomainNativeConfig
{
    /// <summary>
    /// The environment and argv for <paramref name="xml"/> in <paramref name="format"/>; nothing is defined, started
    /// or reserved.
    /// </summary>
    /// <exception cref="VirtException">The format is not one the driver has, or the XML is invalid or cannot run here.</exception>
    Task<NativeCommand> ConvertXmlToNativeAsync(string format, string xml, CancellationToken cancellationToken);
}

/// <summary>
/// A process to run: its whole environment in order ("NAME", "value"), argv (argv[0] first), and both on one line as
/// virsh prints them and a POSIX shell runs them.
/// </summary>
public sealed record NativeCommand(IReadOnlyList<KeyValuePair<string, string>> Environment, IReadOnlyList<string> Argv, string Line);
