using System.Diagnostics;
using System.Xml.Linq;
using Virt.Domain.Xml;

namespace Virt.Domain.Tests;

/// <summary>
/// XML made at test time by Debian's real libvirt tools (virsh on the test:/// driver, virt-install --print-xml)
/// parses, and formats back without losing anything Virt models: every element, attribute and text of libvirt's
/// document must appear in ours, except for the normalisations listed in <see cref="Normalise"/>.
/// </summary>
public sealed class LibvirtInteropTests
{
    public static IEnumerable<TestCaseData> VirshDocuments()
    {
        yield return Case("domain", "dumpxml test");
        yield return Case("network", "net-dumpxml default");
        yield return Case("pool", "pool-dumpxml default-pool");
        yield return Case("volume", "vol-create-as default-pool raw.img 1G --format raw; vol-dumpxml --pool default-pool raw.img");
        yield return Case("volume", "vol-create-as default-pool disk.qcow2 2G --format qcow2; vol-dumpxml --pool default-pool disk.qcow2");

        static TestCaseData Case(string kind, string commands) => new TestCaseData(kind, commands).SetArgDisplayNames(kind, commands);
    }

    public static IEnumerable<TestCaseData> VirtInstallGuests()
    {
        yield return Guest("imported-disk", "--name g1 --memory 1024 --vcpus 2 --disk size=1 --import --osinfo detect=on,require=off");
        yield return Guest("kernel-boot", "--name g2 --memory 512 --vcpus 1 --disk none --boot kernel=/srv/vmlinuz,initrd=/srv/initrd.img,kernel_args=console=ttyS0 --network network=default,model=virtio --graphics vnc,listen=127.0.0.1 --osinfo linux2022");
        yield return Guest("server", "--name g3 --memory 2048 --vcpus 4,sockets=1,cores=2,threads=2 --disk path=/srv/g3.qcow2,size=4,format=qcow2,bus=virtio,cache=none --network bridge=br0,model=e1000 --graphics none --console pty,target_type=serial --channel unix,target_type=virtio,name=org.qemu.guest_agent.0 --rng /dev/urandom --watchdog i6300esb,action=reset --import --osinfo detect=on,require=off");
        yield return Guest("desktop", "--name g4 --memory 4096 --vcpus 2 --cpu host-model --disk size=8,bus=sata --cdrom {iso} --network user --graphics spice --video qxl --osinfo detect=on,require=off");

        static TestCaseData Guest(string name, string arguments) => new TestCaseData(arguments).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(VirshDocuments))]
    public void Virsh_output_round_trips(string kind, string commands)
    {
        var xml = Run("virsh", "-c", "test:///default", commands);
        xml = xml[xml.IndexOf('<', StringComparison.Ordinal)..];

        AssertNothingLost(kind, xml);
    }

    [TestCaseSource(nameof(VirtInstallGuests))]
    public void Virt_install_guests_round_trip(string arguments)
    {
        // virt-install checks that install media exist.
        var iso = Path.Combine(Path.GetTempPath(), $"virt-interop-{Guid.NewGuid():N}.iso");
        File.WriteAllBytes(iso, new byte[2048]);
        try
        {
            var output = Run("virt-install", ["--connect", "test:///default", "--print-xml", .. arguments.Replace("{iso}", iso, StringComparison.Ordinal).Split(' ')]);

            // An install from media prints two documents: the install-time domain and the final one.
            var documents = output.Split("</domain>", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            Assert.That(documents, Is.Not.Empty);
            foreach (var document in documents)
            {
                AssertNothingLost("domain", document + "</domain>");
            }
        }
        finally
        {
            File.Delete(iso);
        }
    }

    private static void AssertNothingLost(string kind, string libvirtXml)
    {
        Func<string, string> roundTrip = kind switch
        {
            "domain" => x => DomainXml.Format(DomainXml.Parse(x)),
            "network" => x => NetworkXml.Format(NetworkXml.Parse(x)),
            "pool" => x => StoragePoolXml.Format(StoragePoolXml.Parse(x)),
            "volume" => x => StorageVolumeXml.Format(StorageVolumeXml.Parse(x)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var ours = roundTrip(libvirtXml);

        Assert.That(roundTrip(ours), Is.EqualTo(ours), "format(parse(x)) must be stable");
        var ourFacts = Facts(XElement.Parse(ours)).ToHashSet(StringComparer.Ordinal);
        var lost = Facts(XElement.Parse(libvirtXml)).Where(f => !ourFacts.Contains(f)).ToArray();
        Assert.That(lost, Is.Empty, $"libvirt's document:\n{libvirtXml}\nours:\n{ours}");
    }

    /// <summary>Each element path with each attribute and its text, as comparable strings.</summary>
    private static IEnumerable<string> Facts(XElement root)
    {
        foreach (var element in root.DescendantsAndSelf())
        {
            var path = string.Join('/', element.AncestorsAndSelf().Reverse().Select(e => e.Name.LocalName));
            if (IsDroppedByLibvirtToo(element))
            {
                continue;
            }
            yield return path;
            foreach (var attribute in element.Attributes().Where(a => !a.IsNamespaceDeclaration))
            {
                if (Normalise(path, attribute.Name.LocalName, attribute.Value) is { } value)
                {
                    yield return $"{path}/@{attribute.Name.LocalName}={value}";
                }
            }
            if (!element.HasElements && element.Value.Trim().Length > 0)
            {
                yield return $"{path}={NormaliseText(element)}";
            }
        }
    }

    /// <summary>
    /// libvirt's own define forgets the mode of a unix channel source that has no path (the driver picks the path
    /// at start); Virt does the same so that output stays stable. Checked against virsh: define, then dumpxml.
    /// </summary>
    private static bool IsDroppedByLibvirtToo(XElement element) =>
        element.Name.LocalName == "source" && element.Parent?.Attribute("type")?.Value == "unix" && element.Attribute("path") is null;

    /// <summary>
    /// What may legitimately differ between libvirt's text and ours; null drops the fact:
    /// sizes are compared in KiB/bytes after unit conversion (we always write unit='KiB' or bytes), and libvirt's
    /// own auto-port placeholders (-1) are the same as autoport='yes'.
    /// </summary>
    private static string? Normalise(string path, string attribute, string value) => attribute switch
    {
        "unit" => null,
        "port" or "tlsPort" when value == "-1" => null,
        _ => value,
    };

    private static string NormaliseText(XElement element)
    {
        var text = element.Value.Trim();
        // libvirt's default unit for domain memory sizes is KiB.
        var unit = element.Attribute("unit")?.Value ?? (element.Name.LocalName is "memory" or "currentMemory" or "maxMemory" ? "KiB" : null);
        if (unit is null || !ulong.TryParse(text, out var amount))
        {
            return text;
        }
        var multiplier = unit.ToLowerInvariant() switch
        {
            "b" or "bytes" => 1UL,
            "k" or "kib" => 1024UL,
            "m" or "mib" => 1024UL * 1024,
            "g" or "gib" => 1024UL * 1024 * 1024,
            _ => 0UL,
        };
        return multiplier == 0 ? text : $"{amount * multiplier} bytes";
    }

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)} failed: {stderr}");
        return stdout;
    }
}
