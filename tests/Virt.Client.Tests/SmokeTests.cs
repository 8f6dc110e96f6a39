namespace Virt.Client.Tests;

public sealed class SmokeTests
{
    [Test]
    public async Task Test_default_lists_the_fixture()
    {
        await using var connection = await VirtConnection.OpenAsync("test:///default");
        var domains = await connection.ListDomainsAsync();
        Assert.That(domains.Select(d => d.Domain.Name), Is.EqualTo(new[] { "test" }));
        Assert.That(await connection.GetHypervisorTypeAsync(), Is.EqualTo("TEST"));
        var e = Assert.ThrowsAsync<VirtClientException>(() => connection.GetDomainInfoAsync("nosuch"));
        Assert.That(e!.Reason, Is.EqualTo(Virt.Protocol.V1.ErrorReason.DomainNotFound));
        TestContext.Out.WriteLine(e.Message);
    }
}
