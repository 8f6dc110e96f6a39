using Google.Rpc;
using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Test;
using Virt.Protocol.V1;
using Virt.Rpc.InProcess;

namespace Virt.Api.Tests;

/// <summary>Virt.Api over a fresh test driver, reached through an <see cref="InProcessChannel"/> (admin or read-only).</summary>
internal sealed class ApiHarness
{
    public ApiHarness(bool readOnly = false, EventLog? events = null, Action<ApiCallRecord>? audit = null)
    {
        Events = events ?? new EventLog();
        Driver = TestDriver.CreateDefault(Events);
        var services = VirtApi.CreateServices(Driver, Driver, Driver, Events, HostInfo.ForTestDriver("0.0.0-test"), new VirtApiOptions { Audit = audit });
        Channel = new InProcessChannel(services.Select(s => s.Definition), readOnly: readOnly);
        Domains = new DomainService.DomainServiceClient(Channel);
        Networks = new NetworkService.NetworkServiceClient(Channel);
        Storage = new StorageService.StorageServiceClient(Channel);
        EventsClient = new EventService.EventServiceClient(Channel);
        Host = new HostService.HostServiceClient(Channel);
    }

    public EventLog Events { get; }

    public TestDriver Driver { get; }

    public InProcessChannel Channel { get; }

    public DomainService.DomainServiceClient Domains { get; }

    public NetworkService.NetworkServiceClient Networks { get; }

    public StorageService.StorageServiceClient Storage { get; }

    public EventService.EventServiceClient EventsClient { get; }

    public HostService.HostServiceClient Host { get; }

    public static Virt.Protocol.V1.DomainRef Name(string name) => new() { Name = name };

    /// <summary>The ErrorInfo in a failed call's grpc-status-details-bin trailer.</summary>
    public static ErrorInfo ErrorInfoOf(RpcException e) => StatusOf(e).Details.Single(d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>();

    public static Google.Rpc.Status StatusOf(RpcException e) =>
        Google.Rpc.Status.Parser.ParseFrom(e.Trailers.Single(t => t.Key == ApiErrors.StatusDetailsTrailer).ValueBytes);

    public static string DomainXml(string name, string? uuid = null) => $"""
        <domain type='test'>
          <name>{name}</name>
          {(uuid is null ? "" : $"<uuid>{uuid}</uuid>")}
          <memory unit='KiB'>131072</memory>
          <vcpu>1</vcpu>
          <os><type arch='i686'>hvm</type></os>
        </domain>
        """;
}
