using Virt.Qemu.CommandLine;

namespace Virt.Driver.Qemu;

/// <summary>
/// domxml-to-native (libvirt's qemuConnectDomainXMLToNative): the environment and argv virtd hands a guest's worker
/// when it starts this XML, built the same way as a start but without its side effects. What only a start can know
/// is shown as libvirt's "pretend" command shows it: an automatic display gets the first port of the range, and a
/// managed tap the name a start would give it now (its worker would pass QEMU an fd for it instead).
/// </summary>
public sealed partial class QemuDomainDriver : IDomainNativeConfig
{
    /// <summary>The one native format, virsh's name for it.</summary>
    public const string QemuArgvFormat = "qemu-argv";

    public async Task<NativeCommand> ConvertXmlToNativeAsync(string format, string xml, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(xml);
        if (format != QemuArgvFormat)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"unsupported config type {format}; the QEMU driver converts to '{QemuArgvFormat}' only",
                new Dictionary<string, string> { ["format"] = format, ["allowed"] = QemuArgvFormat });
        }
        var definition = QemuDefinitions.Parse(xml, _options);
        var capabilities = await CapabilitiesForAsync(definition, "convert", cancellationToken).ConfigureAwait(false);
        var paths = new GuestPaths(definition.Uuid, _options);
        // Resolved as a start resolves them; the leases go at once, since nothing runs.
        using var volumes = await VolumeLeases.AcquireAsync(_options.Volumes, definition, cancellationToken).ConfigureAwait(false);
        var host = new QemuHostContext
        {
            KvmUsable = _options.KvmUsable,
            MonitorSocketPath = paths.QmpSocket,
            GuestDirectory = paths.GuestDirectory,
            Volumes = volumes.Resolved,
            GraphicsPorts = _displays.Preview(definition),
        };
        var run = GuestPreparation.WithWorkerConsole(_taps.Preview(definition), paths);
        var argv = GuestPreparation.BuildArgv(run, capabilities, host, "convert");
        var environment = QemuEnvironmentOf(paths);
        return new NativeCommand(environment, argv, QemuCommandLine.FormatForShell(environment, argv));
    }
}
