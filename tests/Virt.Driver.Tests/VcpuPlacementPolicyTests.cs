namespace Virt.Driver.Tests;

public sealed class VcpuPlacementPolicyTests
{
    [Test]
    public void Starting_within_eight_vcpus_per_host_cpu_is_allowed_up_to_the_ceiling()
    {
        var policy = new VcpuPlacementPolicy(HostCpus: 2);

        Assert.That(policy.Ceiling, Is.EqualTo(16));
        Assert.DoesNotThrow(() => policy.CheckStart("a", requestedVcpus: 4, runningVcpus: 12));
        Assert.DoesNotThrow(() => policy.CheckStart("a", requestedVcpus: 16, runningVcpus: 0));
    }

    [Test]
    public void Going_over_is_refused_with_the_numbers_and_how_to_override()
    {
        var policy = new VcpuPlacementPolicy(HostCpus: 2);

        var ex = Assert.Throws<VirtException>(() => policy.CheckStart("big", requestedVcpus: 5, runningVcpus: 12));

        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.ResourceLimit));
        Assert.That(ex.Message, Is.EqualTo(
            "Cannot start domain 'big': it needs 5 vCPUs, and running domains already use 12 of the 16 this host allows " +
            "(8 x 2 host CPUs); stop a domain, give this one at most 4 vCPUs, or raise the limit with virtd --vcpu-overcommit (0 turns the check off)."));
        Assert.That(ex.Metadata["limit"], Is.EqualTo("16"));
        Assert.That(ex.Metadata["requested"], Is.EqualTo("5"));
        Assert.That(ex.Metadata["available"], Is.EqualTo("4"));
        Assert.That(ex.Metadata["domain"], Is.EqualTo("big"));
    }

    [Test]
    public void A_single_guest_larger_than_the_budget_is_refused_on_an_idle_host()
    {
        var ex = Assert.Throws<VirtException>(() => new VcpuPlacementPolicy(HostCpus: 1).CheckStart("huge", requestedVcpus: 9, runningVcpus: 0));

        Assert.That(ex!.Metadata["available"], Is.EqualTo("8"));
    }

    [Test]
    public void The_operator_can_raise_the_ratio_or_turn_the_check_off()
    {
        var relaxed = new VcpuPlacementPolicy(HostCpus: 2, OvercommitRatio: 16);
        var off = new VcpuPlacementPolicy(HostCpus: 2, OvercommitRatio: 0);
        var fractional = new VcpuPlacementPolicy(HostCpus: 3, OvercommitRatio: 1.5);

        Assert.DoesNotThrow(() => relaxed.CheckStart("a", requestedVcpus: 20, runningVcpus: 12));
        Assert.That(off.Enforced, Is.False);
        Assert.DoesNotThrow(() => off.CheckStart("a", requestedVcpus: int.MaxValue, runningVcpus: int.MaxValue));
        Assert.That(fractional.Ceiling, Is.EqualTo(4), "4.5 rounds down: never more than the ratio allows");
        Assert.Throws<VirtException>(() => fractional.CheckStart("a", requestedVcpus: 5, runningVcpus: 0));
    }

    [Test]
    public void A_running_domain_holds_its_current_vcpus_else_its_maximum()
    {
        var current = Virt.Domain.Xml.DomainXml.Parse("<domain type='qemu'><name>a</name><memory>1024</memory><vcpu current='2'>4</vcpu><os><type>hvm</type></os></domain>");
        var all = Virt.Domain.Xml.DomainXml.Parse("<domain type='qemu'><name>b</name><memory>1024</memory><vcpu>3</vcpu><os><type>hvm</type></os></domain>");

        Assert.That(VcpuPlacementPolicy.VcpusOf(current), Is.EqualTo(2));
        Assert.That(VcpuPlacementPolicy.VcpusOf(all), Is.EqualTo(3));
    }
}
