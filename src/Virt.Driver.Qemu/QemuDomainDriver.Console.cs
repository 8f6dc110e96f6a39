using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>The serial console, through the guest's worker (which holds QEMU's chardev for the guest's whole life).</summary>
public sealed partial class QemuDomainDriver
{
    /// <summary>
    /// Attaches to the first serial console (<c>serial0</c>; <c>console0</c> names the same device, as in libvirt).
    /// Not a job: it changes nothing, so it never waits behind one.
    /// </summary>
    public async Task<IDomainConsole> OpenConsoleAsync(DomainRef domain, string? device, bool force, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var guest = RequireGuest(current, "open the console of");
        if (current.Definition.Devices.Serials.Count == 0)
        {
            throw new VirtException(VirtErrorReason.DeviceNotFound, $"Domain '{current.Name}' has no serial console; add a <serial> device to its definition.",
                new Dictionary<string, string> { ["domain"] = current.Name });
        }
        if (!string.IsNullOrEmpty(device) && device is not (GuestPreparation.ConsoleAlias or "console0"))
        {
            throw new VirtException(VirtErrorReason.DeviceNotFound, $"Domain '{current.Name}' has no console device '{device}'; its console is '{GuestPreparation.ConsoleAlias}'.",
                new Dictionary<string, string> { ["domain"] = current.Name, ["device"] = device });
        }
        WorkerResponse response;
        Stream stream;
        try
        {
            (response, stream) = await VmmClient.OpenAsync(guest.Paths.ControlSocket, new WorkerRequest { Console = new ConsoleAttach { Force = force } }, cancellationToken).ConfigureAwait(false);
        }
        catch (VmmUnreachableException e)
        {
            throw new VirtException(VirtErrorReason.VmmUnreachable, $"The VMM worker of domain '{current.Name}' does not answer: {e.Message}",
                new Dictionary<string, string> { ["domain"] = current.Name }, e);
        }
        if (response.KindCase == WorkerResponse.KindOneofCase.Error)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw response.Error.Code == WorkerErrorCode.ConsoleBusy
                ? new VirtException(VirtErrorReason.ConsoleBusy, $"The console of domain '{current.Name}' is in use by another client; use --force to take it over.",
                    new Dictionary<string, string> { ["domain"] = current.Name })
                : VirtException.OperationInvalid(current.Name, "open the console of", current.State, response.Error.Message);
        }
        return new VmmConsole(stream, GuestPreparation.ConsoleAlias, current);
    }
}
