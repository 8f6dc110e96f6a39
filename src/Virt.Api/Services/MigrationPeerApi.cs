using System.Net;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;

namespace Virt.Api;

/// <summary>
/// virt.v1.MigrationPeerService: the daemon-to-daemon phases, each a pass-through to <see cref="IDomainMigration"/>.
/// A source virtd calls Prepare and Finish here; Begin, Perform and Confirm serve a third party driving both daemons.
/// </summary>
internal sealed class MigrationPeerApi(IDomainMigration migration) : MigrationPeerService.MigrationPeerServiceBase
{
    private const uint ProtocolVersion = 1;

    public override async Task<BeginMigrationResponse> BeginMigration(BeginMigrationRequest request, ServerCallContext context)
    {
        var settings = MigrationConversion.Settings(request.Options);
        var outgoing = await migration.BeginOutgoingAsync(Requests.Domain(request.Domain), settings, context.CancellationToken).ConfigureAwait(false);
        return new BeginMigrationResponse
        {
            MigrationId = outgoing.Id,
            ProtocolVersion = Math.Min(ProtocolVersion, Math.Max(1, request.ProtocolVersion)),
            Domain = ToProto.Identity(outgoing.Domain),
            DomainXml = outgoing.Xml,
            Source = MigrationConversion.Source(outgoing.Facts),
        };
    }

    public override async Task<PrepareMigrationResponse> PrepareMigration(PrepareMigrationRequest request, ServerCallContext context)
    {
        var settings = MigrationConversion.Settings(request.Options);
        if (request.MigrationId.Length == 0)
        {
            throw ApiErrors.InvalidArgument("migration_id", "Prepare needs the migration_id Begin returned.");
        }
        var xml = Requests.Xml(request.DomainXml, "domain_xml");
        var listen = ListenAddress(request.Options, context.GetConnectionInfo());
        var incoming = await migration.PrepareIncomingAsync(request.MigrationId, xml, settings, MigrationConversion.Facts(request.Source), listen, context.CancellationToken).ConfigureAwait(false);
        return new PrepareMigrationResponse
        {
            IncomingUri = incoming.IncomingUri,
            Domain = ToProto.Identity(incoming.Domain),
            FinishTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(incoming.FinishTimeout),
        };
    }

    public override async Task PerformMigration(PerformMigrationRequest request, IServerStreamWriter<PerformMigrationResponse> responseStream, ServerCallContext context)
    {
        var updates = System.Threading.Channels.Channel.CreateUnbounded<MigrationStats>();
        var perform = migration.PerformOutgoingAsync(request.MigrationId, request.IncomingUri, new Progress<MigrationStats>(s => updates.Writer.TryWrite(s)), context.CancellationToken);
        _ = perform.ContinueWith(_ => updates.Writer.TryComplete(), TaskScheduler.Default);
        await foreach (var stats in updates.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (stats.Phase != "completed")
            {
                await responseStream.WriteAsync(new PerformMigrationResponse { Progress = MigrationConversion.Progress(stats) }).ConfigureAwait(false);
            }
        }
        var final = await perform.ConfigureAwait(false);
        await responseStream.WriteAsync(new PerformMigrationResponse { Completed = MigrationConversion.Progress(final) }).ConfigureAwait(false);
    }

    public override async Task<FinishMigrationResponse> FinishMigration(FinishMigrationRequest request, ServerCallContext context)
    {
        var (outcome, domain) = await migration.FinishIncomingAsync(request.MigrationId, request.Cancelled, context.CancellationToken).ConfigureAwait(false);
        var response = new FinishMigrationResponse { Outcome = MigrationConversion.Outcome(outcome) };
        if (domain is not null)
        {
            response.Domain = ToProto.Identity(domain);
            response.Status = ToProto.Status(domain);
        }
        if (outcome == Virt.Driver.MigrationOutcome.Cancelled && !request.Cancelled)
        {
            response.CancelReason = new Google.Rpc.Status { Code = (int)StatusCode.Aborted, Message = "the destination could not resume the guest" };
        }
        return response;
    }

    public override async Task<ConfirmMigrationResponse> ConfirmMigration(ConfirmMigrationRequest request, ServerCallContext context)
    {
        if (request.Outcome == Virt.Protocol.V1.MigrationOutcome.Unspecified)
        {
            throw ApiErrors.InvalidArgument("outcome", "Confirm needs the outcome Finish returned (RUNNING_ON_DESTINATION or CANCELLED).");
        }
        var source = await migration.ConfirmOutgoingAsync(request.MigrationId, MigrationConversion.Outcome(request.Outcome), context.CancellationToken).ConfigureAwait(false);
        return new ConfirmMigrationResponse { SourceStatus = ToProto.Status(source) };
    }

    /// <summary>
    /// Where the incoming QEMU listens: listen_address if given, else the address the peer's call arrived on (so the
    /// stream takes the route the control calls took).
    /// </summary>
    private static string ListenAddress(MigrationOptions? options, ConnectionInfo connection)
    {
        if (options?.ListenAddress is { Length: > 0 } asked)
        {
            return IPAddress.TryParse(asked, out var parsed) ? parsed.ToString()
                : throw ApiErrors.InvalidArgument("options.listen_address", $"'{asked}' is not an IP address.");
        }
        return IPEndPoint.TryParse(connection.LocalEndPoint, out var local) && local.Port != 0
            ? (local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address).ToString()
            : throw ApiErrors.InvalidArgument("options.listen_address",
                "This call did not arrive over TCP, so the destination cannot tell which address the source reaches it on; set listen_address.");
    }
}
