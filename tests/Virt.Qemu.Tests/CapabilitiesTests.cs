using Virt.Qemu.Capabilities;
using Virt.Qemu.Qmp;

namespace Virt.Qemu.Tests;

/// <summary>Capability probing against the real qemu-system-x86_64, and the cache around it.</summary>
public sealed class CapabilitiesTests
{
    private string _cacheDirectory = null!;

    [SetUp]
    public void CreateCacheDirectory() => _cacheDirectory = Directory.CreateTempSubdirectory("virt-caps-").FullName;

    [TearDown]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDirectory, recursive: true);

    [Test]
    public async Task Real_qemu_reports_machines_cpu_models_and_devices()
    {
        var caps = await new QemuCapabilitiesCache(null).GetAsync("qemu-system-x86_64", CancellationToken.None);

        Assert.That(caps.Version.Major, Is.GreaterThanOrEqualTo(7));
        Assert.That(caps.FindMachine("q35")?.Name, Does.StartWith("pc-q35-"));
        Assert.That(caps.FindMachine("pc")?.Name, Does.StartWith("pc-i440fx-"));
        Assert.That(caps.DefaultMachine?.Alias, Is.EqualTo("pc"));
        Assert.That(caps.FindCpuModel("qemu64"), Is.Not.Null);
        Assert.That(caps.CpuModels.Select(c => c.Name), Does.Contain("Skylake-Client"));
        foreach (var device in new[] { "virtio-blk-pci", "virtio-net-pci", "virtio-balloon-pci", "virtio-rng-pci", "e1000", "isa-serial", "pcie-root-port" })
        {
            Assert.That(caps.HasDevice(device), Is.True, device);
        }
        Assert.That(caps.HasDevice("no-such-device"), Is.False);
    }

    [Test]
    public async Task Each_binary_is_probed_once_and_the_disk_cache_survives_a_restart()
    {
        var probe = new CountingProbe(new QemuCapabilitiesProbe());
        var cache = new QemuCapabilitiesCache(_cacheDirectory, probe);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => cache.GetAsync("qemu-system-x86_64", CancellationToken.None)));
        var afterRestart = await new QemuCapabilitiesCache(_cacheDirectory, probe).GetAsync("qemu-system-x86_64", CancellationToken.None);

        Assert.That(probe.Count, Is.EqualTo(1));
        Assert.That(results.Distinct(), Has.Exactly(1).Items);
        Assert.That(afterRestart.Machines, Is.EqualTo(results[0].Machines));
        Assert.That(afterRestart.DeviceTypes, Is.EqualTo(results[0].DeviceTypes));
        Assert.That(afterRestart.Version, Is.EqualTo(results[0].Version));
    }

    [Test]
    public async Task A_changed_binary_is_probed_again()
    {
        var binary = Path.Combine(_cacheDirectory, "qemu-fake");
        await File.WriteAllTextAsync(binary, "v1");
        var probe = new CountingProbe(new FixedProbe());
        var cache = new QemuCapabilitiesCache(_cacheDirectory, probe);

        await cache.GetAsync(binary, CancellationToken.None);
        await cache.GetAsync(binary, CancellationToken.None);
        await File.WriteAllTextAsync(binary, "version 2, a different size");
        await cache.GetAsync(binary, CancellationToken.None);

        Assert.That(probe.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task A_binary_replaced_with_the_same_size_and_modification_time_is_probed_again()
    {
        // What a package upgrade or `cp -p` can do: same size, the packaged mtime, but a different file (new inode, new ctime).
        var binary = Path.Combine(_cacheDirectory, "qemu-fake");
        await File.WriteAllTextAsync(binary, "AAAA");
        var mtime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(binary, mtime);
        var probe = new CountingProbe(new FixedProbe());

        var first = await new QemuCapabilitiesCache(_cacheDirectory, probe).GetAsync(binary, CancellationToken.None);
        var replacement = binary + ".new";
        await File.WriteAllTextAsync(replacement, "BBBB");
        File.SetLastWriteTimeUtc(replacement, mtime);
        File.Move(replacement, binary, overwrite: true);
        var second = await new QemuCapabilitiesCache(_cacheDirectory, probe).GetAsync(binary, CancellationToken.None);
        var third = await new QemuCapabilitiesCache(_cacheDirectory, probe).GetAsync(binary, CancellationToken.None);

        Assert.That(new FileInfo(binary).Length, Is.EqualTo(4));
        Assert.That(File.GetLastWriteTimeUtc(binary), Is.EqualTo(mtime));
        Assert.That(second.BinaryIdentity, Is.Not.EqualTo(first.BinaryIdentity));
        Assert.That(probe.Count, Is.EqualTo(2), "probed for the original and the replacement, then read from disk");
        Assert.That(third.BinaryIdentity, Is.EqualTo(second.BinaryIdentity));
    }

    [Test]
    public void A_missing_binary_is_a_clear_error()
    {
        var ex = Assert.ThrowsAsync<FileNotFoundException>(async () =>
            await new QemuCapabilitiesCache(null).GetAsync("qemu-system-nonexistent", CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("qemu-system-nonexistent").And.Contain("PATH"));
    }

    private sealed class CountingProbe(IQemuCapabilitiesProbe inner) : IQemuCapabilitiesProbe
    {
        private int _count;

        public int Count => _count;

        public Task<QemuCapabilities> ProbeAsync(string binary, string binaryIdentity, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return inner.ProbeAsync(binary, binaryIdentity, cancellationToken);
        }
    }

    private sealed class FixedProbe : IQemuCapabilitiesProbe
    {
        public Task<QemuCapabilities> ProbeAsync(string binary, string binaryIdentity, CancellationToken cancellationToken) =>
            Task.FromResult(new QemuCapabilities
            {
                Binary = binary,
                BinaryIdentity = binaryIdentity,
                Version = new QemuVersion(7, 2, 0, "fake"),
                Machines = [],
                CpuModels = [],
                DeviceTypes = [],
                KvmSupported = false,
            });
    }
}
