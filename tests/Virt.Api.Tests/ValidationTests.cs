using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Api.Tests;

/// <summary>Bad requests fail with INVALID_ARGUMENT naming the field, before the driver is asked, and change nothing.</summary>
public sealed class ValidationTests
{
    private static (StatusCode Code, string Reason, string Field) Refusal(RpcException? e)
    {
        Assert.That(e, Is.Not.Null);
        var info = ApiHarness.ErrorInfoOf(e!);
        return (e!.StatusCode, info.Reason, info.Metadata.TryGetValue("field", out var field) ? field : "");
    }

    private static async Task AssertNothingChangedAsync(ApiHarness api)
    {
        Assert.That(api.Events.LatestSequence, Is.Zero, "an event was logged");
        var list = await api.Domains.ListDomainsAsync(new ListDomainsRequest());
        Assert.That(list.Domains.Select(d => (d.Domain.Name, d.Status.State)), Is.EqualTo(new[] { ("test", DomainState.Running) }));
    }

    [Test]
    public async Task A_missing_domain_reference_names_the_field()
    {
        var api = new ApiHarness();
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.LookupDomainAsync(new LookupDomainRequest()))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "domain")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.SuspendDomainAsync(new SuspendDomainRequest { Domain = new DomainRef() }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "domain")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.SuspendDomainAsync(new SuspendDomainRequest { Domain = new DomainRef { Name = "" } }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "domain.name")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = new DomainRef { Id = -3 } }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "domain.id")));
        await AssertNothingChangedAsync(api);
    }

    [Test]
    public async Task A_malformed_UUID_names_the_field_and_a_field_violation_says_so()
    {
        var api = new ApiHarness();
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = new DomainRef { Uuid = "6695eb01-f6a4-8304-79aa" } }));
        Assert.That(Refusal(e), Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "domain.uuid")));
        var violation = ApiHarness.StatusOf(e!).Details.Single(d => d.Is(BadRequest.Descriptor)).Unpack<BadRequest>().FieldViolations.Single();
        Assert.That(violation.Field, Is.EqualTo("domain.uuid"));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Networks.GetNetworkInfoAsync(new GetNetworkInfoRequest { Network = new NetworkRef { Uuid = "zz" } }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "network.uuid")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Storage.GetPoolXmlAsync(new GetPoolXmlRequest()))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "pool")));
        await AssertNothingChangedAsync(api);
    }

    [Test]
    public async Task UUIDs_without_dashes_and_in_upper_case_are_accepted()
    {
        var api = new ApiHarness();
        var state = await api.Domains.GetDomainStateAsync(new GetDomainStateRequest { Domain = new DomainRef { Uuid = "6695EB01F6A4830479AA97F2502E193F" } });
        Assert.That(state.Status.State, Is.EqualTo(DomainState.Running));
    }

    [Test]
    public async Task Oversized_XML_is_INVALID_XML_with_its_size_and_nothing_is_defined()
    {
        var api = new ApiHarness();
        var huge = ApiHarness.DomainXml("huge").Replace("</domain>", "<description>" + new string('x', 1024 * 1024) + "</description></domain>", StringComparison.Ordinal);
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = huge }));
        Assert.That(Refusal(e), Is.EqualTo((StatusCode.InvalidArgument, "INVALID_XML", "xml")));
        Assert.That(ApiHarness.ErrorInfoOf(e!).Metadata["limit"], Is.EqualTo("1048576"));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.CreateDomainAsync(new CreateDomainRequest { Xml = huge }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_XML", "xml")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DefineDomainAsync(new DefineDomainRequest()))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "xml")));
        await AssertNothingChangedAsync(api);
    }

    [Test]
    public async Task Invalid_names_are_refused_with_a_typed_error()
    {
        var api = new ApiHarness();
        foreach (var name in new[] { "a/b", "", new string('n', 300) })
        {
            var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = ApiHarness.DomainXml(name) }));
            Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), name);
            Assert.That(ApiHarness.ErrorInfoOf(e).Reason, Is.EqualTo("INVALID_XML"), name);
        }
        await AssertNothingChangedAsync(api);
    }

    [Test]
    public async Task Unknown_fields_and_enum_values_are_refused_not_ignored()
    {
        var api = new ApiHarness();
        // A newer client's field 99 on LookupDomainRequest (varint 1), as raw bytes the C# types keep as unknown.
        var withUnknown = LookupDomainRequest.Parser.ParseFrom(new LookupDomainRequest { Domain = ApiHarness.Name("test") }.ToByteArray().Concat(new byte[] { 0x98, 0x06, 0x01 }).ToArray());
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.LookupDomainAsync(withUnknown))),
            Is.EqualTo((StatusCode.InvalidArgument, "UNKNOWN_FIELD", "99")));
        // An unknown field inside a nested message is named by its path.
        var nestedUnknown = new ListDomainsRequest { Filter = Virt.Protocol.V1.DomainListFilter.Parser.ParseFrom(new byte[] { 0xF8, 0x01, 0x01 }) };
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ListDomainsAsync(nestedUnknown))),
            Is.EqualTo((StatusCode.InvalidArgument, "UNKNOWN_FIELD", "filter.31")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = ApiHarness.Name("test"), Type = (DomainMetadataType)77 }))),
            Is.EqualTo((StatusCode.InvalidArgument, "UNKNOWN_FIELD", "type")));
        var states = new ListDomainsRequest { Filter = new Virt.Protocol.V1.DomainListFilter { States = { DomainStateFilter.Running, (DomainStateFilter)42 } } };
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ListDomainsAsync(states))),
            Is.EqualTo((StatusCode.InvalidArgument, "UNKNOWN_FIELD", "filter.states")));
        await AssertNothingChangedAsync(api);
    }

    [Test]
    public async Task Options_the_driver_cannot_honour_are_UNIMPLEMENTED_not_ignored()
    {
        var api = new ApiHarness();
        // The test driver keeps no logs and refuses --remove-logs, as libvirt's does (the QEMU driver removes them).
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = ApiHarness.Name("test"), RemoveLogs = true }));
        Assert.That((e!.StatusCode, ApiHarness.ErrorInfoOf(e).Reason, e.Status.Detail), Is.EqualTo((StatusCode.Unimplemented, "OPERATION_UNSUPPORTED", "unsupported flags (0x2) in function testDomainDestroyFlags")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ShutdownDomainAsync(new ShutdownDomainRequest { Domain = ApiHarness.Name("test"), Modes = { ShutdownMode.GuestAgent } }))),
            Is.EqualTo((StatusCode.Unimplemented, "OPERATION_UNSUPPORTED", "modes")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ShutdownDomainAsync(new ShutdownDomainRequest { Domain = ApiHarness.Name("test"), Force = true }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "force")));
        await AssertNothingChangedAsync(api);
    }

    [Test]
    public async Task Page_tokens_are_checked()
    {
        var api = new ApiHarness();
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ListDomainsAsync(new ListDomainsRequest { PageToken = "garbage" }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "page_token")));
        Assert.That(Refusal(Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ListDomainsAsync(new ListDomainsRequest { PageSize = -1 }))),
            Is.EqualTo((StatusCode.InvalidArgument, "INVALID_ARGUMENT", "page_size")));
        await AssertNothingChangedAsync(api);
    }
}
