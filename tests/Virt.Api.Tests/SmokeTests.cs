using Virt.Protocol.V1;

namespace Virt.Api.Tests;

public sealed class SmokeTests
{
    [Test]
    public async Task Lists_the_default_fixture()
    {
        var api = new ApiHarness();
        var list = await api.Domains.ListDomainsAsync(new ListDomainsRequest());
        Assert.That(list.Domains.Select(d => d.Domain.Name), Is.EqualTo(new[] { "test" }));
    }
}
