using System.Text.RegularExpressions;
using Google.Rpc;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api.Tests;

/// <summary>Errors leave the API with the code documented for their reason and a google.rpc.Status carrying ErrorInfo.</summary>
public sealed partial class ErrorMappingTests
{
    [Test]
    public void Every_reason_travels_with_the_code_documented_in_common_proto()
    {
        // common.proto documents each reason's code in brackets in the comment just above it.
        var proto = File.ReadAllText(Path.Combine(Virt.Testing.RepoPaths.Root, "proto", "virt", "v1", "common.proto"));
        var documented = DocumentedCode().Matches(proto).ToDictionary(m => m.Groups["reason"].Value, m => m.Groups["code"].Value);
        Assert.That(documented, Has.Count.GreaterThan(30));
        foreach (var reason in Enum.GetValues<VirtErrorReason>().Where(r => r != VirtErrorReason.Unspecified))
        {
            var name = ApiErrors.ReasonName(reason);
            Assert.That(documented, Contains.Key(name), $"{reason} has no documented code");
            var code = ApiErrors.CodeFor(reason);
            Assert.That(Regex.Replace(code.ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant(), Is.EqualTo(documented[name]), name);
        }
    }

    [Test]
    public void Reason_names_round_trip()
    {
        foreach (var reason in Enum.GetValues<VirtErrorReason>().Where(r => r != VirtErrorReason.Unspecified))
        {
            Assert.That((int)ApiErrors.ParseReason(ApiErrors.ReasonName(reason)), Is.EqualTo((int)reason));
        }
        Assert.That(ApiErrors.ParseReason("SOMETHING_NEW"), Is.EqualTo(ErrorReason.Unspecified));
    }

    [Test]
    public async Task An_unknown_domain_is_NOT_FOUND_with_ErrorInfo_and_ResourceInfo()
    {
        var api = new ApiHarness();
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.GetDomainInfoAsync(new GetDomainInfoRequest { Domain = ApiHarness.Name("nosuch") }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(e.Status.Detail, Does.StartWith("Domain not found: no domain with matching name 'nosuch'"));
        var status = ApiHarness.StatusOf(e);
        Assert.That(status.Code, Is.EqualTo((int)StatusCode.NotFound));
        Assert.That(status.Message, Is.EqualTo(e.Status.Detail));
        var info = ApiHarness.ErrorInfoOf(e);
        Assert.That(info.Reason, Is.EqualTo("DOMAIN_NOT_FOUND"));
        Assert.That(info.Domain, Is.EqualTo("virt.v1"));
        Assert.That(info.Metadata["domain"], Is.EqualTo("nosuch"));
        var resource = status.Details.Single(d => d.Is(ResourceInfo.Descriptor)).Unpack<ResourceInfo>();
        Assert.That(resource.ResourceType, Is.EqualTo("domain"));
        Assert.That(resource.ResourceName, Is.EqualTo("nosuch"));
        await Task.CompletedTask;
    }

    [Test]
    public void A_state_error_is_FAILED_PRECONDITION_OPERATION_INVALID_naming_the_state()
    {
        var api = new ApiHarness();
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ResumeDomainAsync(new ResumeDomainRequest { Domain = ApiHarness.Name("test") }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        var info = ApiHarness.ErrorInfoOf(e);
        Assert.That(info.Reason, Is.EqualTo("OPERATION_INVALID"));
        Assert.That(info.Metadata["domain"], Is.EqualTo("test"));
        Assert.That(info.Metadata["state"], Is.EqualTo("running"));
    }

    [Test]
    public void A_clashing_definition_is_ALREADY_EXISTS()
    {
        var api = new ApiHarness();
        // The fixture's domain is "test" with another UUID: same name, different UUID.
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = ApiHarness.DomainXml("test", "11111111-2222-3333-4444-555555555555") }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
        Assert.That(ApiHarness.ErrorInfoOf(e).Reason, Is.EqualTo("DOMAIN_EXISTS"));
    }

    [Test]
    public void Malformed_and_DTD_bearing_XML_is_INVALID_ARGUMENT_INVALID_XML()
    {
        var api = new ApiHarness();
        foreach (var xml in new[] { "<domain", "<!DOCTYPE domain [<!ENTITY x 'y'>]><domain type='test'><name>&x;</name></domain>" })
        {
            var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = xml }));
            Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), xml);
            Assert.That(ApiHarness.ErrorInfoOf(e).Reason, Is.EqualTo("INVALID_XML"), xml);
        }
    }

    [Test]
    public void Unimplemented_methods_answer_UNIMPLEMENTED()
    {
        var api = new ApiHarness();
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Networks.GetDhcpLeasesAsync(new GetDhcpLeasesRequest { Network = new NetworkRef { Name = "default" } }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
    }

    [GeneratedRegex(@"//\s*\[(?<code>[A-Z_]+)\][^\n]*\n(?:[ \t]*//[^\n]*\n)*[ \t]*ERROR_REASON_(?<reason>[A-Z_]+)\s*=")]
    private static partial Regex DocumentedCode();
}
