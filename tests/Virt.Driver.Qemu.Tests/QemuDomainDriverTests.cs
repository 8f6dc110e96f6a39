using Virt.Domain;
using Virt.Domain.Xml;
using static Virt.Driver.Qemu.Tests.TestSupport;

namespace Virt.Driver.Qemu.Tests;

public sealed class QemuDomainDriverTests
{
    private static Guid Uuid1 { get; } = Guid.Parse("6695eb01-f6a4-8304-79aa-97f2502e193f");

    private static Guid Uuid2 { get; } = Guid.Parse("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");

    private string _state = null!;
    private EventLog _events = null!;
    private ListLogger _log = null!;

    [SetUp]
    public void CreateStateDirectory()
    {
        _state = Directory.CreateTempSubdirectory("virt-qemu-driver-").FullName;
        _events = new EventLog();
        _log = new ListLogger();
    }

    [TearDown]
    public void DeleteStateDirectory() => Directory.Delete(_state, recursive: true);

    private QemuDriverOptions Options => new() { StateDirectory = _state, HostCpus = 4 };

    private Task<QemuDomainDriver> OpenAsync(EventLog? events = null) =>
        QemuDomainDriver.OpenAsync(Options, events ?? _events, _log, CancellationToken.None);

    private string DomainsDir => Path.Combine(_state, "qemu", "domains");

    [Test]
    public async Task A_defined_domain_is_stored_by_uuid_found_by_name_and_uuid_listed_and_reloaded_unchanged()
    {
        var driver = await OpenAsync();

        var defined = await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        var byName = await driver.LookupDomainAsync(DomainRef.ByName("web1"), CancellationToken.None);
        var byUuid = await driver.LookupDomainAsync(DomainRef.Parse(Uuid1.ToString()), CancellationToken.None);
        var listed = await driver.ListDomainsAsync(DomainListFilter.All, CancellationToken.None);
        var reloaded = await OpenAsync(new EventLog());

        Assert.That(driver.Type, Is.EqualTo("QEMU"));
        Assert.That(defined.State, Is.EqualTo(DomainState.Shutoff));
        Assert.That(defined.Id, Is.EqualTo(-1));
        Assert.That(defined.Persistent, Is.True);
        Assert.That(byName, Is.SameAs(defined));
        Assert.That(byUuid, Is.SameAs(defined));
        Assert.That(listed, Is.EqualTo(new[] { defined }));
        Assert.That(await driver.ListDomainsAsync(DomainListFilter.ActiveOnly, CancellationToken.None), Is.Empty);
        var file = Path.Combine(DomainsDir, $"{Uuid1}.xml");
        Assert.That(File.ReadAllText(file), Is.EqualTo(Virt.Domain.Xml.DomainXml.Format(defined.Definition)));
        Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That((await reloaded.LookupDomainAsync(DomainRef.ByName("web1"), CancellationToken.None)).Definition, Is.EqualTo(defined.Definition));
        Assert.That(_events.LatestSequence, Is.EqualTo(1UL));
    }

    [Test]
    public async Task A_domain_without_a_uuid_gets_one_and_ids_are_never_found_while_nothing_runs()
    {
        var driver = await OpenAsync();

        var defined = await driver.DefineDomainAsync(DomainXml("noid"), CancellationToken.None);

        Assert.That(defined.Uuid, Is.Not.EqualTo(Guid.Empty));
        Assert.That(File.Exists(Path.Combine(DomainsDir, $"{defined.Uuid}.xml")), Is.True);
        var ex = Assert.ThrowsAsync<VirtException>(async () => await driver.LookupDomainAsync(DomainRef.ById(1), CancellationToken.None));
        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.DomainNotFound));
        Assert.That(ex.Message, Is.EqualTo("Domain not found: no domain with matching id 1"));
    }

    [Test]
    public async Task Redefining_the_same_name_and_uuid_updates_it_keeps_autostart_and_logs_defined_updated()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        await driver.SetAutostartAsync(DomainRef.ByName("web1"), true, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var subscription = _events.SubscribeAsync(afterSequence: 0, fromOldestRetained: true, cts.Token).GetAsyncEnumerator(cts.Token);

        var updated = await driver.DefineDomainAsync(DomainXml("web1", Uuid1, vcpus: 2), CancellationToken.None);
        var events = new List<DomainLifecycleEvent>();
        while (events.Count < 2 && await subscription.MoveNextAsync())
        {
            if (subscription.Current.Event?.Event is DomainLifecycleEvent e)
            {
                events.Add(e);
            }
        }
        await subscription.DisposeAsync();

        Assert.That(updated.Definition.Vcpu.Count, Is.EqualTo(2u));
        Assert.That(updated.Autostart, Is.True);
        Assert.That(events, Is.EqualTo(new[]
        {
            new DomainLifecycleEvent("web1", Uuid1, DomainEventType.Defined, 0),
            new DomainLifecycleEvent("web1", Uuid1, DomainEventType.Defined, 1),
        }));
        Assert.That(Directory.GetFiles(DomainsDir), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task A_name_or_uuid_of_another_domain_is_domain_exists_in_libvirts_words_and_nothing_changes()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        var before = TreeFingerprint(_state);

        var sameName = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(DomainXml("web1", Uuid2), CancellationToken.None));
        var sameUuid = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(DomainXml("web2", Uuid1), CancellationToken.None));

        Assert.That(sameName!.Reason, Is.EqualTo(VirtErrorReason.DomainExists));
        Assert.That(sameName.Message, Is.EqualTo($"Domain 'web1' cannot be defined: domain 'web1' already exists with uuid {Uuid1}."));
        Assert.That(sameUuid!.Reason, Is.EqualTo(VirtErrorReason.DomainExists));
        Assert.That(sameUuid.Message, Is.EqualTo($"Domain 'web2' cannot be defined: domain 'web1' is already defined with uuid {Uuid1}."));
        Assert.That(TreeFingerprint(_state), Is.EqualTo(before));
        Assert.That(_events.LatestSequence, Is.EqualTo(1UL));
    }

    [TestCase("a/b", VirtErrorReason.InvalidArgument, "contains '/'")]
    [TestCase("", VirtErrorReason.InvalidArgument, "The name is empty")]
    [TestCase(".hidden", VirtErrorReason.InvalidArgument, "starts with '.'")]
    [TestCase("tab\there", VirtErrorReason.InvalidArgument, "control character")]
    public async Task Invalid_names_are_refused_with_the_rule_and_nothing_is_written(string name, VirtErrorReason reason, string says)
    {
        var driver = await OpenAsync();
        var before = TreeFingerprint(_state);

        var ex = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(DomainXml(name), CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(reason));
        Assert.That(ex.Message, Does.StartWith("Invalid domain name: ").And.Contain(says).And.Contain(DefinitionNames.Rule));
        Assert.That(TreeFingerprint(_state), Is.EqualTo(before));
    }

    [Test]
    public async Task A_name_over_200_characters_is_refused()
    {
        var driver = await OpenAsync();

        var ex = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(DomainXml(new string('n', 201)), CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
        Assert.That(ex.Message, Does.Contain("201 characters long, over the limit of 200"));
        // 200 multi-byte characters are fine: files are named by UUID, so the name's byte length does not matter.
        var longest = await driver.DefineDomainAsync(DomainXml(new string('é', 200)), CancellationToken.None);
        Assert.That(longest.Name, Has.Length.EqualTo(200));
    }

    private static IEnumerable<TestCaseData> BadDocuments()
    {
        yield return new TestCaseData("<domain type='qemu'><name>x</name>", VirtErrorReason.InvalidXml, "XmlMalformed").SetName("malformed XML");
        yield return new TestCaseData("<!DOCTYPE domain [<!ENTITY e 'x'>]><domain type='qemu'><name>&e;</name><memory>1</memory><os><type>hvm</type></os></domain>", VirtErrorReason.InvalidXml, "DtdForbidden").SetName("DTD with an entity");
        yield return new TestCaseData(DomainXml("big", description: new string('x', DefinitionParseOptions.DefaultMaxDocumentBytes)), VirtErrorReason.ResourceLimit, "TooLarge").SetName("oversized");
        yield return new TestCaseData(DomainXml("cpus", vcpus: 400), VirtErrorReason.ResourceLimit, "LimitExceeded").SetName("over the vCPU limit");
        yield return new TestCaseData(DomainXml("overcommit", vcpus: 8), VirtErrorReason.ResourceLimit, "LimitExceeded").SetName("more vCPUs than the host");
        yield return new TestCaseData("<domain type='qemu'><name>x</name><memory>1</memory><os><type>hvm</type></os><bogus/></domain>", VirtErrorReason.InvalidXml, "UnknownElement").SetName("unknown element");
        yield return new TestCaseData("<network><name>x</name></network>", VirtErrorReason.InvalidXml, null).SetName("not a domain");
    }

    [TestCaseSource(nameof(BadDocuments))]
    public async Task Bad_documents_get_typed_errors_and_nothing_is_written(string xml, VirtErrorReason reason, string? definitionReason)
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("keep", Uuid1), CancellationToken.None);
        var before = TreeFingerprint(_state);

        var ex = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(xml, CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(reason), ex.Message);
        if (definitionReason is not null)
        {
            Assert.That(ex.Metadata["definitionReason"], Is.EqualTo(definitionReason));
        }
        Assert.That(TreeFingerprint(_state), Is.EqualTo(before));
        Assert.That(await driver.ListDomainsAsync(DomainListFilter.All, CancellationToken.None), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Test_domains_are_not_qemu_domains()
    {
        var driver = await OpenAsync();

        var ex = Assert.ThrowsAsync<VirtException>(async () => await driver.DefineDomainAsync(DomainXml("t", type: "test"), CancellationToken.None));

        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.XmlUnsupported));
        Assert.That(ex.Message, Does.Contain("type 'qemu' or 'kvm'"));
    }

    [Test]
    public async Task Undefine_removes_the_file_and_the_autostart_mark_and_logs_undefined()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        await driver.SetAutostartAsync(DomainRef.ByName("web1"), true, CancellationToken.None);

        var undefined = await driver.UndefineDomainAsync(DomainRef.ByUuid(Uuid1), CancellationToken.None);

        Assert.That(undefined.Persistent, Is.False);
        Assert.That(Directory.GetFiles(DomainsDir), Is.Empty);
        Assert.That(Directory.GetFiles(Path.Combine(_state, "qemu", "autostart")), Is.Empty);
        Assert.That(await driver.ListDomainsAsync(DomainListFilter.All, CancellationToken.None), Is.Empty);
        Assert.That(_events.LatestSequence, Is.EqualTo(3UL), "defined, autostart changed, undefined");
        var again = Assert.ThrowsAsync<VirtException>(async () => await driver.UndefineDomainAsync(DomainRef.ByName("web1"), CancellationToken.None));
        Assert.That(again!.Reason, Is.EqualTo(VirtErrorReason.DomainNotFound));
        Assert.That(again.Message, Is.EqualTo("Domain not found: no domain with matching name 'web1'"));
    }

    [Test]
    public async Task Autostart_title_description_and_metadata_survive_a_restart()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        await driver.DefineDomainAsync(DomainXml("web2", Uuid2), CancellationToken.None);
        var web1 = DomainRef.ByName("web1");

        await driver.SetAutostartAsync(web1, true, CancellationToken.None);
        await driver.SetDescriptionAsync(web1, title: true, "Front end", DomainModification.Current, CancellationToken.None);
        await driver.SetDescriptionAsync(web1, title: false, "Serves\nthe site", DomainModification.Config, CancellationToken.None);
        await driver.SetMetadataAsync(web1, "http://example.org/app", "app", "<owner>ops</owner>", DomainModification.Current, CancellationToken.None);
        var restarted = await OpenAsync(new EventLog());
        var reloaded = await restarted.LookupDomainAsync(web1, CancellationToken.None);

        Assert.That(reloaded.Autostart, Is.True);
        Assert.That(reloaded.Definition.Title, Is.EqualTo("Front end"));
        Assert.That(reloaded.Definition.Description, Is.EqualTo("Serves\nthe site"));
        Assert.That(reloaded.Definition.Metadata.Single().NamespaceUri, Is.EqualTo("http://example.org/app"));
        Assert.That(reloaded.Definition.Metadata.Single().Xml, Does.Contain("ops"));
        Assert.That(await restarted.ListDomainsAsync(new DomainListFilter { Autostart = true }, CancellationToken.None), Has.Count.EqualTo(1));
        Assert.That(await restarted.ListDomainsAsync(new DomainListFilter { Autostart = false }, CancellationToken.None), Has.Count.EqualTo(1));

        await restarted.SetAutostartAsync(web1, false, CancellationToken.None);
        await restarted.SetDescriptionAsync(web1, title: true, null, DomainModification.Current, CancellationToken.None);
        await restarted.SetMetadataAsync(web1, "http://example.org/app", null, null, DomainModification.Config, CancellationToken.None);
        var cleared = await (await OpenAsync(new EventLog())).LookupDomainAsync(web1, CancellationToken.None);
        Assert.That(cleared.Autostart, Is.False);
        Assert.That(cleared.Definition.Title, Is.Null);
        Assert.That(cleared.Definition.Metadata, Is.Empty);
    }

    [Test]
    public async Task Edits_that_cannot_apply_are_refused_without_writing()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        var web1 = DomainRef.ByName("web1");
        var before = TreeFingerprint(_state);

        var live = Assert.ThrowsAsync<VirtException>(async () => await driver.SetDescriptionAsync(web1, false, "x", DomainModification.Live, CancellationToken.None));
        var newline = Assert.ThrowsAsync<VirtException>(async () => await driver.SetDescriptionAsync(web1, true, "two\nlines", DomainModification.Config, CancellationToken.None));
        var control = Assert.ThrowsAsync<VirtException>(async () => await driver.SetDescriptionAsync(web1, false, "bell\a", DomainModification.Config, CancellationToken.None));
        var badKey = Assert.ThrowsAsync<VirtException>(async () => await driver.SetMetadataAsync(web1, "http://x/", "1bad", "<a/>", DomainModification.Config, CancellationToken.None));
        var dtd = Assert.ThrowsAsync<VirtException>(async () => await driver.SetMetadataAsync(web1, "http://x/", "x", "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", DomainModification.Config, CancellationToken.None));

        Assert.That(live!.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(live.Message, Does.Contain("domain is not running"));
        Assert.That(newline!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
        Assert.That(control!.Reason, Is.AnyOf(VirtErrorReason.InvalidArgument, VirtErrorReason.InvalidXml));
        Assert.That(badKey!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
        Assert.That(dtd!.Reason, Is.EqualTo(VirtErrorReason.InvalidXml));
        Assert.That(TreeFingerprint(_state), Is.EqualTo(before));
    }

    [Test]
    public async Task Lifecycle_calls_on_a_shut_off_domain_are_refused_and_a_missing_worker_is_named()
    {
        var driver = await QemuDomainDriver.OpenAsync(Options with { VmmBinary = "/nonexistent/virt-vmm" }, _events, _log, CancellationToken.None);
        await driver.DefineDomainAsync(DomainXml("web1", Uuid1), CancellationToken.None);
        var web1 = DomainRef.ByName("web1");

        var start = Assert.ThrowsAsync<VirtException>(async () => await driver.StartDomainAsync(web1, false, CancellationToken.None));
        var createBad = Assert.ThrowsAsync<VirtException>(async () => await driver.CreateDomainAsync("<domain", false, CancellationToken.None));
        var destroy = Assert.ThrowsAsync<VirtException>(async () => await driver.DestroyDomainAsync(web1, false, false, CancellationToken.None));
        var suspend = Assert.ThrowsAsync<VirtException>(async () => await driver.SuspendDomainAsync(web1, CancellationToken.None));
        var unknown = Assert.ThrowsAsync<VirtException>(async () => await driver.StartDomainAsync(DomainRef.ByName("nosuch"), false, CancellationToken.None));

        Assert.That(start!.Reason, Is.EqualTo(VirtErrorReason.Internal));
        Assert.That(start.Message, Does.Contain("/nonexistent/virt-vmm"));
        Assert.That(createBad!.Reason, Is.EqualTo(VirtErrorReason.InvalidXml));
        Assert.That(destroy!.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(destroy.Message, Is.EqualTo("Requested operation is not valid: domain is not running"));
        Assert.That(suspend!.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(unknown!.Reason, Is.EqualTo(VirtErrorReason.DomainNotFound));
        Assert.That((await driver.LookupDomainAsync(web1, CancellationToken.None)).State, Is.EqualTo(DomainState.Shutoff));
        Assert.That(Directory.EnumerateFiles(Path.Combine(_state, "run", "qemu")), Is.Empty, "a failed start leaves no run state");
    }

    [Test]
    public async Task Unloadable_files_are_quarantined_and_logged_temp_files_removed_and_the_rest_loaded()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("good", Uuid1), CancellationToken.None);
        var torn = Guid.NewGuid();
        var mismatched = Guid.NewGuid();
        await File.WriteAllTextAsync(Path.Combine(DomainsDir, $"{torn}.xml"), "<domain type='qemu'>\n  <name>torn</na");
        await File.WriteAllTextAsync(Path.Combine(DomainsDir, $"{mismatched}.xml"), Virt.Domain.Xml.DomainXml.Format(Virt.Domain.Xml.DomainXml.Parse(DomainXml("other", Uuid2))));
        await File.WriteAllTextAsync(Path.Combine(DomainsDir, "web9.xml"), DomainXml("web9"));
        await File.WriteAllTextAsync(Path.Combine(DomainsDir, $"{Uuid1}.xml.tmp-0123456789ab"), "<domain");
        await File.WriteAllTextAsync(Path.Combine(_state, "qemu", "autostart", Guid.NewGuid().ToString()), "gone\n");

        var reloaded = await OpenAsync(new EventLog());

        Assert.That((await reloaded.ListDomainsAsync(DomainListFilter.All, CancellationToken.None)).Select(d => d.Name), Is.EqualTo(new[] { "good" }));
        Assert.That(Directory.GetFiles(DomainsDir).Select(Path.GetFileName), Is.EqualTo(new[] { $"{Uuid1}.xml" }));
        Assert.That(Directory.GetFiles(Path.Combine(_state, "qemu", "autostart")), Is.Empty);
        var quarantined = Directory.GetFiles(Path.Combine(_state, "qemu", "quarantine")).Select(Path.GetFileName).Order().ToList();
        Assert.That(quarantined, Has.Count.EqualTo(3));
        Assert.That(quarantined, Has.One.StartsWith($"{torn}.xml."));
        Assert.That(quarantined, Has.One.StartsWith($"{mismatched}.xml."));
        Assert.That(quarantined, Has.One.StartsWith("web9.xml."));
        var errors = _log.Lines.Where(l => l.StartsWith("Error 501 ", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors, Has.One.Contains($"{torn}.xml cannot be loaded (").And.Contains("quarantine"));
        Assert.That(errors, Has.One.Contains($"it defines UUID {Uuid2}, not the one in its name"));
        Assert.That(_log.Lines, Has.One.StartsWith("Warning 502 "));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Thirty_two_concurrent_callers_defining_and_undefining_distinct_domains_lose_and_duplicate_nothing(CancellationToken cancellationToken)
    {
        var driver = await OpenAsync();
        const int Callers = 32;
        const int Rounds = 10;

        // Each caller: define its domain, redefine it, undefine it, ten times; then define a keeper.
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var uuid = Guid.NewGuid();
            for (var round = 0; round < Rounds; round++)
            {
                await driver.DefineDomainAsync(DomainXml($"vm{c}", uuid), cancellationToken);
                await driver.DefineDomainAsync(DomainXml($"vm{c}", uuid, description: $"round {round}"), cancellationToken);
                await driver.UndefineDomainAsync(DomainRef.ByName($"vm{c}"), cancellationToken);
            }
            await driver.DefineDomainAsync(DomainXml($"keep{c}", description: "kept"), cancellationToken);
        }, cancellationToken)));
        var listed = await driver.ListDomainsAsync(DomainListFilter.All, cancellationToken);
        var reloaded = await (await OpenAsync(new EventLog())).ListDomainsAsync(DomainListFilter.All, cancellationToken);

        var expected = Enumerable.Range(0, Callers).Select(c => $"keep{c}").Order(StringComparer.Ordinal).ToList();
        Assert.That(listed.Select(d => d.Name), Is.EqualTo(expected));
        Assert.That(reloaded.Select(d => d.Name), Is.EqualTo(expected));
        Assert.That(Directory.GetFiles(DomainsDir), Has.Length.EqualTo(Callers));
        Assert.That(_events.LatestSequence, Is.EqualTo((ulong)(Callers * ((Rounds * 3) + 1))));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Concurrent_defines_of_one_name_with_different_uuids_leave_exactly_one(CancellationToken cancellationToken)
    {
        var driver = await OpenAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            try
            {
                await driver.DefineDomainAsync(DomainXml("contended", Guid.NewGuid()), cancellationToken);
                return "defined";
            }
            catch (VirtException e) when (e.Reason == VirtErrorReason.DomainExists)
            {
                return "exists";
            }
        }, cancellationToken)));

        Assert.That(outcomes.Count(o => o == "defined"), Is.EqualTo(1));
        Assert.That(outcomes.Count(o => o == "exists"), Is.EqualTo(31));
        Assert.That(Directory.GetFiles(DomainsDir), Has.Length.EqualTo(1));
        Assert.That(await driver.ListDomainsAsync(DomainListFilter.All, cancellationToken), Has.Count.EqualTo(1));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Churn_of_one_name_under_new_uuids_never_leaves_two_files_for_it(CancellationToken cancellationToken)
    {
        var driver = await OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    await driver.DefineDomainAsync(DomainXml("shared", Guid.NewGuid()), cancellationToken);
                }
                catch (VirtException e) when (e.Reason == VirtErrorReason.DomainExists)
                {
                }
                try
                {
                    await driver.UndefineDomainAsync(DomainRef.ByName("shared"), cancellationToken);
                }
                catch (VirtException e) when (e.Reason == VirtErrorReason.DomainNotFound)
                {
                }
            }
        }, cancellationToken)));
        var inMemory = await driver.ListDomainsAsync(DomainListFilter.All, cancellationToken);
        var reloaded = await (await OpenAsync(new EventLog())).ListDomainsAsync(DomainListFilter.All, cancellationToken);

        Assert.That(Directory.GetFiles(DomainsDir), Has.Length.EqualTo(inMemory.Count));
        Assert.That(reloaded.Select(d => d.Uuid), Is.EqualTo(inMemory.Select(d => d.Uuid)));
        Assert.That(Directory.Exists(Path.Combine(_state, "qemu", "quarantine")), Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Concurrent_redefines_of_one_domain_are_serialised_and_the_last_commit_is_on_disk(CancellationToken cancellationToken)
    {
        var driver = await OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(
            () => driver.DefineDomainAsync(DomainXml("same", Uuid1, description: $"writer {i}"), cancellationToken), cancellationToken)));
        var inMemory = await driver.LookupDomainAsync(DomainRef.ByUuid(Uuid1), cancellationToken);
        var onDisk = await (await OpenAsync(new EventLog())).LookupDomainAsync(DomainRef.ByUuid(Uuid1), cancellationToken);

        Assert.That(onDisk.Definition, Is.EqualTo(inMemory.Definition));
        Assert.That(_events.LatestSequence, Is.EqualTo(32UL));
    }

    [Test]
    public async Task A_rename_rewrites_the_definition_under_its_uuid_and_a_reopened_driver_finds_only_the_new_name()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("old", Uuid1), CancellationToken.None);
        await driver.SetAutostartAsync(DomainRef.ByName("old"), true, CancellationToken.None);
        var files = Directory.GetFiles(DomainsDir);

        var renamed = await driver.RenameDomainAsync(DomainRef.ByName("old"), "new", CancellationToken.None);

        Assert.That((renamed.Name, renamed.Uuid, renamed.Autostart), Is.EqualTo(("new", Uuid1, true)));
        Assert.That(Directory.GetFiles(DomainsDir), Is.EqualTo(files), "the same file, rewritten");
        var reopened = await OpenAsync(new EventLog());
        Assert.That((await reopened.ListDomainsAsync(DomainListFilter.All, CancellationToken.None)).Select(d => (d.Name, d.Autostart)), Is.EqualTo(new[] { ("new", true) }));
        Assert.ThrowsAsync<VirtException>(async () => await reopened.LookupDomainAsync(DomainRef.ByName("old"), CancellationToken.None));
    }

    [Test]
    public async Task A_domain_with_a_managed_save_image_is_not_renamed_and_nothing_changes()
    {
        await (await OpenAsync()).DefineDomainAsync(DomainXml("saved", Uuid1), CancellationToken.None);
        // The image carries the old name; the driver finds it when it opens.
        Directory.CreateDirectory(Options.ManagedSaveDirectory);
        await File.WriteAllTextAsync(Path.Combine(Options.ManagedSaveDirectory, Uuid1.ToString("D") + ".save"), "image");
        var driver = await OpenAsync(new EventLog());
        var before = TreeFingerprint(_state);

        var error = Assert.ThrowsAsync<VirtException>(async () => await driver.RenameDomainAsync(DomainRef.ByName("saved"), "other", CancellationToken.None))!;

        Assert.That(error.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(error.Message, Is.EqualTo("Requested operation is not valid: domain with a managed saved state can't be renamed"));
        Assert.That(TreeFingerprint(_state), Is.EqualTo(before));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Of_two_domains_renamed_to_one_name_at_once_exactly_one_gets_it(CancellationToken cancellationToken)
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("a", Uuid1), cancellationToken);
        await driver.DefineDomainAsync(DomainXml("b", Uuid2), cancellationToken);

        var results = await Task.WhenAll(new[] { "a", "b" }.Select(name => Task.Run(async () =>
        {
            try
            {
                await driver.RenameDomainAsync(DomainRef.ByName(name), "same", cancellationToken);
                return "renamed";
            }
            catch (VirtException e) when (e.Reason == VirtErrorReason.OperationInvalid)
            {
                return e.Message;
            }
        }, cancellationToken)));

        Assert.That(results.Count(r => r == "renamed"), Is.EqualTo(1), string.Join(" | ", results));
        Assert.That(results, Has.One.EqualTo("Requested operation is not valid: domain with name 'same' already exists"));
        Assert.That((await driver.ListDomainsAsync(DomainListFilter.All, cancellationToken)).Select(d => d.Name).Order(), Is.EqualTo(new[] { "a", "same" }).Or.EqualTo(new[] { "b", "same" }));
    }

    [Test]
    public async Task Attach_and_detach_change_the_stored_definition_and_refuse_what_they_cannot_do_with_nothing_written()
    {
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(DomainXml("grow", Uuid1), CancellationToken.None);
        const string Disk = "<disk type='file' device='disk'><source file='/var/lib/x.img'/><target dev='vdb' bus='virtio'/></disk>";
        const string Nic = "<interface type='user'><mac address='52:54:00:00:00:07'/></interface>";

        await driver.AttachDeviceAsync(DomainRef.ByName("grow"), Disk, DomainModification.Current, CancellationToken.None);
        await driver.AttachDeviceAsync(DomainRef.ByName("grow"), Nic, DomainModification.Config, CancellationToken.None);
        var before = TreeFingerprint(_state);
        var refusals = new[]
        {
            Assert.ThrowsAsync<VirtException>(async () => await driver.AttachDeviceAsync(DomainRef.ByName("grow"), Disk, DomainModification.Current, CancellationToken.None))!,
            Assert.ThrowsAsync<VirtException>(async () => await driver.AttachDeviceAsync(DomainRef.ByName("grow"), Nic, DomainModification.Current, CancellationToken.None))!,
            Assert.ThrowsAsync<VirtException>(async () => await driver.AttachDeviceAsync(DomainRef.ByName("grow"), "<rng model='virtio'><backend model='random'/></rng>", DomainModification.Config, CancellationToken.None))!,
            Assert.ThrowsAsync<VirtException>(async () => await driver.AttachDeviceAsync(DomainRef.ByName("grow"), Disk, DomainModification.Live, CancellationToken.None))!,
            Assert.ThrowsAsync<VirtException>(async () => await driver.DetachDeviceAsync(DomainRef.ByName("grow"), "<interface type='user'/>", DomainModification.Config, CancellationToken.None))!,
        };
        Assert.That(refusals.Select(e => (e.Reason, e.Message)), Is.EqualTo(new[]
        {
            (VirtErrorReason.OperationInvalid, "Requested operation is not valid: target vdb already exists"),
            (VirtErrorReason.OperationInvalid, "Requested operation is not valid: an interface with MAC address 52:54:00:00:00:07 already exists"),
            (VirtErrorReason.OperationUnsupported, "persistent attach of this device is not supported: domain 'grow' takes a <disk> or an <interface> this way; edit the definition for other devices"),
            (VirtErrorReason.OperationInvalid, "Requested operation is not valid: domain is not running"),
            (VirtErrorReason.InvalidArgument, "Cannot detach an interface of domain 'grow': the interface is found by its MAC address; give <mac address='...'/> in the <interface> element."),
        }));
        Assert.That(TreeFingerprint(_state), Is.EqualTo(before));

        var reloaded = await (await OpenAsync(new EventLog())).LookupDomainAsync(DomainRef.ByName("grow"), CancellationToken.None);
        Assert.That((reloaded.Definition.Devices.Disks.Single().Target.Dev, reloaded.Definition.Devices.Interfaces.Single().Mac), Is.EqualTo(("vdb", "52:54:00:00:00:07")));
        await driver.DetachDeviceAsync(DomainRef.ByName("grow"), Disk, DomainModification.Config, CancellationToken.None);
        var detached = await driver.DetachDeviceAsync(DomainRef.ByName("grow"), Nic, DomainModification.Current, CancellationToken.None);
        Assert.That((detached.Definition.Devices.Disks.Count, detached.Definition.Devices.Interfaces.Count), Is.EqualTo((0, 0)));
    }
}
