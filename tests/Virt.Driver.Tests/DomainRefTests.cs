namespace Virt.Driver.Tests;

public sealed class DomainRefTests
{
    [TestCase("7", null, null, 7)]
    [TestCase("web1", "web1", null, null)]
    [TestCase("0", "0", null, null)]
    [TestCase("-3", "-3", null, null)]
    [TestCase("6695eb01-f6a4-8304-79aa-97f2502e193f", null, "6695eb01-f6a4-8304-79aa-97f2502e193f", null)]
    public void A_domain_argument_is_an_id_then_a_uuid_then_a_name_as_in_virsh(string text, string? name, string? uuid, int? id)
    {
        var domain = DomainRef.Parse(text);

        Assert.That(domain.Name, Is.EqualTo(name));
        Assert.That(domain.Uuid, Is.EqualTo(uuid is null ? (Guid?)null : Guid.Parse(uuid)));
        Assert.That(domain.Id, Is.EqualTo(id));
    }

    [Test]
    public void Not_found_names_the_reference_the_caller_used()
    {
        var ex = VirtException.DomainNotFound(DomainRef.Parse("nosuch"));

        Assert.That(ex.Reason, Is.EqualTo(VirtErrorReason.DomainNotFound));
        Assert.That(ex.Message, Is.EqualTo("Domain not found: no domain with matching name 'nosuch'"));
        Assert.That(ex.Metadata["domain"], Is.EqualTo("nosuch"));
    }

    [TestCase(DomainState.Running, "running", true)]
    [TestCase(DomainState.Paused, "paused", true)]
    [TestCase(DomainState.Shutoff, "shut off", false)]
    [TestCase(DomainState.Blocked, "idle", true)]
    [TestCase(DomainState.Shutdown, "in shutdown", true)]
    public void States_use_virsh_words(DomainState state, string words, bool active)
    {
        Assert.That(state.ToDisplayString(), Is.EqualTo(words));
        Assert.That(state.IsActive(), Is.EqualTo(active));
    }

    [Test]
    public void List_filters_combine_like_virsh_list()
    {
        var running = new DomainSummary { Definition = new Virt.Domain.DomainDefinition { Name = "a" }, State = DomainState.Running, Id = 1, Autostart = true };
        var stopped = new DomainSummary { Definition = new Virt.Domain.DomainDefinition { Name = "b" } };
        var transient = running with { Persistent = false, Autostart = false };

        Assert.That(DomainListFilter.ActiveOnly.Matches(running), Is.True);
        Assert.That(DomainListFilter.ActiveOnly.Matches(stopped), Is.False);
        Assert.That(DomainListFilter.All.Matches(stopped), Is.True);
        Assert.That(new DomainListFilter { Persistent = false }.Matches(transient), Is.True);
        Assert.That(new DomainListFilter { Autostart = true, Active = true }.Matches(running), Is.True);
        Assert.That(new DomainListFilter { States = [DomainState.Paused] }.Matches(running), Is.False);
    }
}
