using Virt.Domain.Tests.Golden;
using Virt.Domain.Xml;

namespace Virt.Domain.Tests;

[TestFixture]
public sealed class DomainXmlTests
{
    private static string Read(string kind, string name) => File.ReadAllText(Path.Combine(GoldenFiles.DataRoot, kind, name + ".xml"));

    [Test]
    public void Parse_format_parse_gives_an_equal_record()
    {
        var first = DomainXml.Parse(Read("domain", "everything"), GoldenKind.DeterministicOptions());
        var second = DomainXml.Parse(DomainXml.Format(first), GoldenKind.DeterministicOptions());
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Records_compare_by_content()
    {
        var a = DomainXml.Parse(Read("domain", "live-q35-virt-manager"));
        var b = DomainXml.Parse(Read("domain", "live-q35-virt-manager"));
        Assert.That(b, Is.EqualTo(a));
        Assert.That(b with { Name = "other" }, Is.Not.EqualTo(a));
    }

    [TestCase("1 KiB", 1024UL, "KiB")]
    [TestCase("memory in bytes rounds up", 1025UL, "b")]
    [TestCase("decimal megabytes", 1UL, "MB")]
    public void Memory_is_normalised_to_KiB(string description, ulong value, string unit)
    {
        SizeUnits.TryToBytes(value, unit, out var bytes);
        var definition = DomainXml.Parse($"<domain type='kvm'><name>m</name><memory unit='{unit}'>{value}</memory><os><type>hvm</type></os></domain>");
        Assert.That(definition.MemoryKiB, Is.EqualTo(SizeUnits.BytesToKiBRoundUp(bytes)), description);
        Assert.That(DomainXml.Format(definition), Does.Contain($"<memory unit='KiB'>{definition.MemoryKiB}</memory>"));
    }

    [TestCase("vnc", "<graphics type='vnc' port='5907' autoport='yes' listen='127.0.0.1'>")]
    [TestCase("spice", "<graphics type='spice' port='5907' autoport='yes' listen='127.0.0.1'>")]
    public void An_automatic_display_port_is_kept_only_in_a_live_definition(string type, string live)
    {
        var xml = $"<domain type='qemu'><name>g</name><memory>1</memory><os><type>hvm</type></os><devices><graphics type='{type}' port='5907' autoport='yes' listen='127.0.0.1'/></devices></domain>";

        var running = DomainXml.Parse(xml, new DefinitionParseOptions { Live = true });
        var defined = DomainXml.Parse(xml);

        Assert.That(running.Devices.Graphics[0].Port, Is.EqualTo(5907));
        Assert.That(DomainXml.Format(running), Does.Contain(live));
        Assert.That(DomainXml.Parse(DomainXml.Format(running), new DefinitionParseOptions { Live = true }), Is.EqualTo(running));
        Assert.That(defined.Devices.Graphics[0].Port, Is.Null, "libvirt's inactive parse drops an allocated port");
        Assert.That(DomainXml.Format(defined), Does.Contain(type == "vnc" ? "<graphics type='vnc' port='-1' autoport='yes'" : "<graphics type='spice' autoport='yes'"));
    }

    [Test]
    public void Without_secrets_a_definition_loses_its_display_passwords_and_nothing_else()
    {
        var definition = DomainXml.Parse("<domain type='qemu'><name>g</name><memory>1</memory><os><type>hvm</type></os><devices>"
            + "<graphics type='vnc' passwd='pw' keymap='de'/><graphics type='spice' port='5903' passwd='s3'/></devices></domain>");
        var plain = DomainXml.Parse("<domain type='qemu'><name>g</name><memory>1</memory><os><type>hvm</type></os></domain>");

        var shown = definition.WithoutSecrets();

        Assert.That(shown.Devices.Graphics.Select(g => g.Password), Is.All.Null);
        Assert.That(shown with { Devices = definition.Devices }, Is.EqualTo(definition));
        Assert.That(DomainXml.Format(shown), Does.Not.Contain("passwd").And.Contain("keymap='de'"));
        Assert.That(plain.WithoutSecrets(), Is.SameAs(plain));
    }

    [Test]
    public void A_device_element_parses_alone_with_the_rules_it_has_inside_a_domain()
    {
        var devices = DomainXml.ParseDevice("<interface type='bridge'><mac address='52:54:00:AA:BB:CC'/><source bridge='br0'/><link state='down'/></interface>");

        Assert.That(devices.Interfaces.Single(), Is.EqualTo(new NetworkInterface { Type = InterfaceType.Bridge, Mac = "52:54:00:aa:bb:cc", Source = new InterfaceSource { Bridge = "br0" }, LinkUp = false }));
        Assert.That(devices with { Interfaces = ValueList<NetworkInterface>.Empty }, Is.EqualTo(new DomainDevices()), "nothing else");
        var missing = Assert.Throws<DefinitionException>(() => DomainXml.ParseDevice("<interface type='bridge'/>"))!;
        Assert.That(missing.Location, Is.EqualTo("/domain/devices/interface"));
        Assert.Throws<DefinitionException>(() => DomainXml.ParseDevice("<nosuchdevice/>"));
        Assert.Throws<DefinitionException>(() => DomainXml.ParseDevice("<interface type='user'>"), "not well-formed");
    }

    [Test]
    public void Missing_uuid_comes_from_the_injected_generator()
    {
        var uuid = Guid.Parse("0d1c2b3a-4958-4a6b-8c7d-9e0f1a2b3c4d");
        var definition = DomainXml.Parse("<domain type='kvm'><name>g</name><memory>1</memory><os><type>hvm</type></os></domain>", new DefinitionParseOptions { NewUuid = () => uuid });
        Assert.That(definition.Uuid, Is.EqualTo(uuid));
    }

    [Test]
    public void Oversized_documents_are_refused_before_parsing()
    {
        var xml = "<domain type='kvm'><name>big</name><description>" + new string('x', 2048) + "</description><memory>1</memory><os><type>hvm</type></os></domain>";
        var ex = Assert.Throws<DefinitionException>(() => DomainXml.Parse(xml, new DefinitionParseOptions { MaxDocumentBytes = 1024 }));
        Assert.That(ex!.Reason, Is.EqualTo(DefinitionErrorReason.TooLarge));
        Assert.That(ex.Message, Does.Contain("over the limit of 1024 bytes"));
    }

    [Test]
    public void The_default_size_limit_is_one_MiB()
    {
        var xml = "<domain type='kvm'><name>big</name><description>" + new string('x', 1024 * 1024) + "</description><memory>1</memory><os><type>hvm</type></os></domain>";
        var ex = Assert.Throws<DefinitionException>(() => DomainXml.Parse(xml));
        Assert.That(ex!.Reason, Is.EqualTo(DefinitionErrorReason.TooLarge));
    }

    [Test]
    public void Errors_carry_reason_location_line_and_allowed_values()
    {
        const string Xml = "<domain type='kvm'>\n<name>e</name><memory>1</memory><os><type>hvm</type></os>\n<devices>\n<disk type='file'><source file='/a'/><target dev='vda'/></disk>\n<disk type='file'><source file='/b'/><target dev='vdb' bus='floppy'/></disk>\n</devices></domain>";
        var ex = Assert.Throws<DefinitionException>(() => DomainXml.Parse(Xml));
        Assert.That(ex!.Reason, Is.EqualTo(DefinitionErrorReason.InvalidValue));
        Assert.That(ex.Location, Is.EqualTo("/domain/devices/disk[2]/target/@bus"));
        Assert.That(ex.Line, Is.EqualTo(5));
        Assert.That(ex.Found, Is.EqualTo("floppy"));
        Assert.That(ex.Allowed, Does.Contain("virtio"));
    }

    [Test]
    public void Validator_reports_every_problem()
    {
        var definition = DomainXml.Parse(Read("domain", "err-duplicate-mac"));
        var problems = DomainValidator.Check(definition with { Vcpu = definition.Vcpu with { Count = 64 } }, DefinitionLimits.Default, hostCpus: 4);
        Assert.That(problems.Select(p => p.Reason), Is.EquivalentTo(new[] { DefinitionErrorReason.LimitExceeded, DefinitionErrorReason.Conflict }));
    }

    [Test]
    public void Overcommit_can_be_allowed_by_policy()
    {
        var definition = DomainXml.Parse(Read("domain", "err-vcpus-over-host"));
        Assert.That(DomainValidator.Check(definition, DefinitionLimits.Default with { AllowVcpuOvercommit = true }, hostCpus: 8), Is.Empty);
    }

    [Test]
    public void Persisted_error_reasons_never_change()
    {
        var expected = new Dictionary<string, int>
        {
            ["XmlMalformed"] = 1, ["DtdForbidden"] = 2, ["TooLarge"] = 3, ["UnknownElement"] = 4, ["UnknownAttribute"] = 5,
            ["InvalidValue"] = 6, ["MissingRequired"] = 7, ["Conflict"] = 8, ["LimitExceeded"] = 9,
        };
        var actual = Enum.GetValues<DefinitionErrorReason>().ToDictionary(v => v.ToString(), v => (int)v);
        Assert.That(actual, Is.EquivalentTo(expected));
    }
}
