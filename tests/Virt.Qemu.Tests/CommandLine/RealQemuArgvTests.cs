using System.Diagnostics;
using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine;
using Virt.Qemu.Qmp;
using Virt.Testing;

namespace Virt.Qemu.Tests.CommandLine;

/// <summary>
/// Every golden case with a .args file (minus the documented skips) is built against the real probed binary, started
/// with its argv (paused by -S), and checked over QMP: every -device exists under /machine/peripheral, every disk
/// with media is in query-block, and every PCI device is in query-pci. At most two QEMUs run at once (2 cores).
/// </summary>
[Parallelizable(ParallelScope.Children)]
public sealed class RealQemuArgvTests
{
    private static readonly SemaphoreSlim _slots = new(2);
    private static readonly Lazy<Task<QemuCapabilities>> _capabilities = new(() => new QemuCapabilitiesCache(null).GetAsync("qemu-system-x86_64", CancellationToken.None));

    public static IEnumerable<TestCaseData> Cases()
    {
        var skips = ArgvGolden.RealQemuSkips();
        return ArgvGolden.CaseNames()
            .Where(n => File.Exists(Path.Combine(ArgvGolden.Directory, n + ".args")) && !skips.ContainsKey(n))
            .Select(n => new TestCaseData(n).SetName($"Qemu_accepts_{n}"));
    }

    [Test]
    public void Skipped_cases_are_cases_that_build()
    {
        foreach (var name in ArgvGolden.RealQemuSkips().Keys)
        {
            Assert.That(File.Exists(Path.Combine(ArgvGolden.Directory, name + ".args")), Is.True, $"{name} is skipped but has no .args");
        }
    }

    [TestCaseSource(nameof(Cases))]
    [CancelAfter(120_000)]
    public async Task Qemu_starts_with_the_argv_and_has_every_device(string name, CancellationToken cancellationToken)
    {
        var capabilities = await _capabilities.Value;
        await _slots.WaitAsync(cancellationToken);
        var directory = Directory.CreateTempSubdirectory("virt-argv-").FullName;
        try
        {
            var relocation = new Relocation(directory);
            var definition = await relocation.ApplyAsync(ArgvGolden.Parse(name), cancellationToken);
            var context = new QemuHostContext
            {
                KvmUsable = false,
                MonitorSocketPath = Path.Combine(directory, "monitor.sock"),
                GuestDirectory = directory,
                Volumes = ArgvGolden.Context.Volumes.ToDictionary(v => v.Key, v => v.Value with { Path = relocation.Map(v.Value.Path) }),
            };
            foreach (var volume in context.Volumes.Values)
            {
                await Relocation.CreateImageAsync(volume.Path, volume.Format, cancellationToken);
            }
            var argv = QemuCommandLine.Build(definition, capabilities, context);
            await using var qemu = QemuProcess.Start(argv.Skip(1), argv[0]);
            await using var monitor = new QmpMonitor(await ConnectAsync(context.MonitorSocketPath, qemu, cancellationToken));

            var devices = argv.Select((a, i) => (a, i)).Where(p => p.a == "-device").Select(p => JsonNode.Parse(argv[p.i + 1])!.AsObject()).ToList();
            var peripherals = (await monitor.QomListAsync("/machine/peripheral", cancellationToken)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var blocks = await monitor.QueryBlockAsync(cancellationToken);
            var pci = (await monitor.QueryPciAsync(cancellationToken)).Select(p => p.QdevId).ToHashSet(StringComparer.Ordinal);
            // query-pci cannot see behind bridges before the firmware numbers them (-S stops before that), so every
            // PCI device is also checked through QOM: its parent bus and its devfn.
            var placements = new List<(string Id, string Expected, string Actual)>();
            foreach (var device in devices.Where(d => d["addr"] is not null))
            {
                var id = device["id"]!.GetValue<string>();
                var parent = (await monitor.ExecuteAsync("qom-get", new JsonObject { ["path"] = $"/machine/peripheral/{id}", ["property"] = "parent_bus" }, cancellationToken))!.GetValue<string>();
                var devfn = (await monitor.ExecuteAsync("qom-get", new JsonObject { ["path"] = $"/machine/peripheral/{id}", ["property"] = "addr" }, cancellationToken))!.GetValue<int>();
                var addr = device["addr"]!.GetValue<string>().Split('.');
                var expectedDevfn = (Convert.ToInt32(addr[0], 16) * 8) + (addr.Length > 1 ? Convert.ToInt32(addr[1], 16) : 0);
                placements.Add((id, $"{device["bus"]} {expectedDevfn}", $"{parent.Split('/')[^1]} {devfn}"));
            }

            var ids = devices.Select(d => d["id"]!.GetValue<string>()).ToList();
            var rootBusIds = devices.Where(d => d["bus"]?.GetValue<string>() is "pci.0" or "pcie.0").Select(d => d["id"]!.GetValue<string>()).ToList();
            var diskIds = devices.Where(d => d["drive"] is not null).Select(d => d["id"]!.GetValue<string>()).ToList();
            await monitor.QuitAsync(cancellationToken);
            var exit = await qemu.WaitForExitAsync(TimeSpan.FromSeconds(20), cancellationToken);

            Assert.That(peripherals, Is.SupersetOf(ids), "-device ids missing under /machine/peripheral");
            Assert.That(pci, Is.SupersetOf(rootBusIds), "root-bus PCI devices missing from query-pci");
            Assert.That(placements.Select(p => $"{p.Id}: {p.Actual}"), Is.EqualTo(placements.Select(p => $"{p.Id}: {p.Expected}")), "PCI placement differs from the argv");
            foreach (var disk in diskIds)
            {
                Assert.That(blocks.Select(b => b.QdevId), Has.Some.Contains(disk), $"disk {disk} missing from query-block");
            }
            Assert.That(exit, Is.Zero, string.Join('\n', qemu.Stderr.Tail()));
        }
        finally
        {
            _slots.Release();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<QmpConnection> ConnectAsync(string socket, QemuProcess qemu, CancellationToken cancellationToken)
    {
        try
        {
            return await QmpConnection.ConnectWhenReadyAsync(socket, TimeSpan.FromSeconds(30), () => qemu.HasExited, cancellationToken);
        }
        catch (QmpDisconnectedException ex)
        {
            Assert.Fail($"{ex.Message}\n{qemu.Stderr.Tail()}");
            throw;
        }
    }

    /// <summary>
    /// Moves the cases' host paths (/var/lib/virt/..., /run/virt/test/...) into a temp directory and creates what
    /// QEMU opens at start: images with qemu-img, shared directories, the firmware variable store, the test guest's
    /// kernel and initrd for direct kernel boot.
    /// </summary>
    private sealed class Relocation(string directory)
    {
        public string Map(string path) =>
            path.StartsWith("/var/lib/virt/", StringComparison.Ordinal) || path.StartsWith("/run/virt/test/", StringComparison.Ordinal)
                ? Path.Combine(directory, path.TrimStart('/').Replace('/', '_'))
                : path;

        public async Task<DomainDefinition> ApplyAsync(DomainDefinition definition, CancellationToken cancellationToken)
        {
            var devices = definition.Devices;
            var disks = new List<Disk>();
            foreach (var disk in devices.Disks)
            {
                disks.Add(await RelocateDiskAsync(disk, cancellationToken));
            }
            foreach (var fs in devices.Filesystems)
            {
                Directory.CreateDirectory(Map(fs.SourceDir));
            }
            var os = definition.Os;
            if (os.Kernel is not null)
            {
                var guest = await TestGuest.GetAsync(cancellationToken);
                os = os with { Kernel = guest.KernelPath, Initrd = os.Initrd is null ? null : guest.InitrdPath };
            }
            if (os.Nvram?.Path is { } nvram)
            {
                File.Copy("/usr/share/OVMF/OVMF_VARS_4M.fd", Map(nvram));
                os = os with { Nvram = os.Nvram with { Path = Map(nvram) } };
            }
            return definition with
            {
                Os = os,
                Devices = devices with
                {
                    Disks = new ValueList<Disk>(disks),
                    Filesystems = new ValueList<Filesystem>(devices.Filesystems.Select(f => f with { SourceDir = Map(f.SourceDir) })),
                    Serials = new ValueList<CharDevice>(devices.Serials.Select(RelocateChar)),
                    Consoles = new ValueList<CharDevice>(devices.Consoles.Select(RelocateChar)),
                    Channels = new ValueList<CharDevice>(devices.Channels.Select(RelocateChar)),
                    Graphics = new ValueList<Graphics>(devices.Graphics.Select(g => g with
                    {
                        Listens = new ValueList<GraphicsListen>(g.Listens.Select(l => l.Socket is null ? l : l with { Socket = Map(l.Socket) })),
                    })),
                },
            };
        }

        private CharDevice RelocateChar(CharDevice device) => device with
        {
            Source = device.Source?.Path is { } path ? device.Source with { Path = Map(path) } : device.Source,
            LogFile = device.LogFile is null ? null : Map(device.LogFile),
        };

        private async Task<Disk> RelocateDiskAsync(Disk disk, CancellationToken cancellationToken)
        {
            if (disk.Source?.File is not { } file)
            {
                return disk;
            }
            await CreateImageAsync(Map(file), disk.Driver?.Format ?? ImageFormat.Raw, cancellationToken);
            return disk with
            {
                Source = disk.Source with { File = Map(file) },
                BackingStore = await RelocateBackingAsync(disk.BackingStore, cancellationToken),
            };
        }

        private async Task<BackingStore?> RelocateBackingAsync(BackingStore? backing, CancellationToken cancellationToken)
        {
            if (backing?.Source?.File is not { } file)
            {
                return backing;
            }
            await CreateImageAsync(Map(file), backing.Format ?? ImageFormat.Raw, cancellationToken);
            return backing with
            {
                Source = backing.Source with { File = Map(file) },
                Next = await RelocateBackingAsync(backing.Next, cancellationToken),
            };
        }

        public static async Task CreateImageAsync(string path, ImageFormat format, CancellationToken cancellationToken)
        {
            if (File.Exists(path))
            {
                return;
            }
            var start = new ProcessStartInfo("qemu-img") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in (string[])["create", "-q", "-f", format is ImageFormat.Iso ? "raw" : format.ToString().ToLowerInvariant(), path, "16M"])
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            Assert.That(process.ExitCode, Is.Zero, $"qemu-img create {path}: {errors}");
        }
    }
}
