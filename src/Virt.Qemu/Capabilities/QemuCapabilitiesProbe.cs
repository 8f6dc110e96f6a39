using System.Diagnostics;
using System.Text.Json.Nodes;
using Virt.Qemu.Qmp;

namespace Virt.Qemu.Capabilities;

/// <summary>Finds out what a QEMU binary can do.</summary>
public interface IQemuCapabilitiesProbe
{
    /// <summary>Probes the binary (slow: starts QEMU).</summary>
    Task<QemuCapabilities> ProbeAsync(string binary, string binaryIdentity, CancellationToken cancellationToken);
}

/// <summary>
/// Starts the binary with no machine (<c>-machine none</c>) and QMP on its stdio, asks for machines, CPU models and
/// types in a handful of commands, and quits. Unlike libvirt, it does not read CPU features one by one: that is most
/// of libvirt's start-up time here, and nothing we build needs it.
/// </summary>
public sealed class QemuCapabilitiesProbe : IQemuCapabilitiesProbe
{
    /// <inheritdoc />
    public async Task<QemuCapabilities> ProbeAsync(string binary, string binaryIdentity, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-S", "-no-user-config", "-nodefaults", "-display", "none", "-machine", "none,accel=tcg", "-qmp", "stdio"])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await using var monitor = new QmpMonitor(await QmpConnection.OpenAsync(
                process.StandardOutput.BaseStream, process.StandardInput.BaseStream, owner: null, cancellationToken).ConfigureAwait(false));
            var machines = await monitor.ExecuteAsync("query-machines", null, cancellationToken).ConfigureAwait(false);
            var cpus = await monitor.ExecuteAsync("query-cpu-definitions", null, cancellationToken).ConfigureAwait(false);
            var types = await monitor.ExecuteAsync("qom-list-types", new JsonObject { ["abstract"] = false }, cancellationToken).ConfigureAwait(false);
            var kvm = await monitor.ExecuteAsync("query-kvm", null, cancellationToken).ConfigureAwait(false);
            await monitor.QuitAsync(cancellationToken).ConfigureAwait(false);
            return new QemuCapabilities
            {
                Binary = binary,
                BinaryIdentity = binaryIdentity,
                Version = monitor.Version,
                Machines = [.. (machines?.AsArray() ?? []).Select(m => new QemuMachineType(
                    m!["name"]!.GetValue<string>(),
                    m["alias"]?.GetValue<string>(),
                    m["is-default"]?.GetValue<bool>() ?? false,
                    m["cpu-max"]?.GetValue<int>() ?? 1,
                    m["deprecated"]?.GetValue<bool>() ?? false)).OrderBy(m => m.Name, StringComparer.Ordinal)],
                CpuModels = [.. (cpus?.AsArray() ?? []).Select(c => new QemuCpuModel(
                    c!["name"]!.GetValue<string>(),
                    (c["unavailable-features"]?.AsArray().Count ?? 0) == 0,
                    c["deprecated"]?.GetValue<bool>() ?? false)).OrderBy(c => c.Name, StringComparer.Ordinal)],
                DeviceTypes = [.. (types?.AsArray() ?? []).Select(t => t!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal)],
                KvmSupported = kvm?["present"]?.GetValue<bool>() ?? false,
            };
        }
        catch (Exception ex) when (ex is QmpDisconnectedException or QmpException)
        {
            var errors = await stderr.ConfigureAwait(false);
            throw new InvalidOperationException($"Probing {binary} failed: {ex.Message} {errors.Trim()}".Trim(), ex);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            // Reap it now: init here reaps orphans only every second or two.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
