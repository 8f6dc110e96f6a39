using System.Globalization;
using System.IO.Hashing;
using System.Xml;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Virt.Domain.Xml;
using Virt.Driver;
using Virt.Protocol.V1;
using Virt.Rpc;
using DriverFilter = Virt.Driver.DomainListFilter;
using DriverState = Virt.Driver.DomainState;

namespace Virt.Api;

/// <summary>
/// virt.v1.DomainService over <see cref="IDomainDriver"/>: definition, inspection and life cycle. Each method checks its
/// request, calls the driver once and converts the result; state rules, locking and events live in the driver, so
/// every frontend shares them. Methods not overridden answer UNIMPLEMENTED (the generated base).
/// </summary>
internal sealed partial class DomainApi(IDomainDriver driver, EventLog events, IHostInfo host, CancellationToken stopping) : DomainService.DomainServiceBase
{
    /// <summary>
    /// virsh console: the first message opens, then bytes flow both ways until the client half-closes, the driver
    /// closes the console (guest stopped, taken over: the client gets <c>closed</c> first), or the daemon stops.
    /// </summary>
    public override async Task OpenConsole(IAsyncStreamReader<OpenConsoleRequest> requestStream, IServerStreamWriter<OpenConsoleResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.KindCase != OpenConsoleRequest.KindOneofCase.Open)
        {
            throw ApiErrors.InvalidArgument("open", "The first console message must be open, naming the domain; data comes after it.");
        }
        var open = requestStream.Current.Open;
        Requests.Unsupported(open.HistoryBytes > 0, "history_bytes", "replaying console history (read the console log instead)");
        var reference = Requests.Domain(open.Domain);
        // --safe asks for exclusive access, which every console here has (one client at a time), so it is honoured.
        await using var console = await driver.OpenConsoleAsync(reference, open.Device.Length == 0 ? null : open.Device, open.Force, context.CancellationToken).ConfigureAwait(false);
        await responseStream.WriteAsync(new OpenConsoleResponse { Opened = new ConsoleOpened { Domain = ToProto.Identity(console.Domain), Device = console.Device } }).ConfigureAwait(false);

        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        var input = Task.Run(async () =>
        {
            while (await requestStream.MoveNext(end.Token).ConfigureAwait(false))
            {
                if (requestStream.Current.KindCase != OpenConsoleRequest.KindOneofCase.Data)
                {
                    throw ApiErrors.InvalidArgument("open", "A console is opened once; after open, send only data.");
                }
                await console.WriteAsync(requestStream.Current.Data.Memory, end.Token).ConfigureAwait(false);
            }
        }, CancellationToken.None);
        var output = Task.Run(async () =>
        {
            try
            {
                await foreach (var chunk in console.ReadAsync(end.Token).ConfigureAwait(false))
                {
                    if (chunk.Closed is { } reason)
                    {
                        await responseStream.WriteAsync(new OpenConsoleResponse { Closed = new ConsoleClosed { Reason = (Virt.Protocol.V1.ConsoleCloseReason)(int)reason, Message = chunk.Message } }).ConfigureAwait(false);
                        return;
                    }
                    await responseStream.WriteAsync(new OpenConsoleResponse { Data = ByteString.CopyFrom(chunk.Data.Span) }).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                await responseStream.WriteAsync(new OpenConsoleResponse
                {
                    Closed = new ConsoleClosed { Reason = Virt.Protocol.V1.ConsoleCloseReason.DaemonStopping, Message = "the daemon is shutting down; the guest keeps running" },
                }).ConfigureAwait(false);
            }
        }, CancellationToken.None);
        var first = await Task.WhenAny(input, output).ConfigureAwait(false);
        await end.CancelAsync().ConfigureAwait(false);
        try
        {
            // The one that ended first decides: a bad input message fails the call; the other side's cancellation does not.
            await first.ConfigureAwait(false);
        }
        finally
        {
            await console.DisposeAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(input, output).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or VirtException or RpcException)
            {
                // The side that did not end first was cut off on purpose.
            }
        }
    }

    public override async Task<ListDomainsResponse> ListDomains(ListDomainsRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0)
        {
            throw ApiErrors.InvalidArgument("page_size", "page_size cannot be negative; use 0 for every domain in one response.");
        }
        var filterKey = FilterKey(request.Filter);
        Guid? after = request.PageToken.Length == 0 ? null : PageCursor(request.PageToken, filterKey);
        // Read the sequence before the snapshot: every event up to it is then reflected in the list, and a subscriber
        // resuming from it may see a change twice but never misses one.
        var sequence = events.LatestSequence;
        var (filter, snapshotFilter) = Filter(request.Filter);
        var domains = await driver.ListDomainsAsync(filter, context.CancellationToken).ConfigureAwait(false);
        // Ordered by UUID, so a page boundary stays put while domains come and go.
        var ordered = domains.Where(snapshotFilter).OrderBy(d => d.Uuid.ToString("D"), StringComparer.Ordinal)
            .SkipWhile(d => after is { } cursor && string.CompareOrdinal(d.Uuid.ToString("D"), cursor.ToString("D")) <= 0);
        var page = (request.PageSize > 0 ? ordered.Take(request.PageSize + 1) : ordered).ToList();
        var response = new ListDomainsResponse { EventSequence = sequence };
        if (request.PageSize > 0 && page.Count > request.PageSize)
        {
            page.RemoveAt(page.Count - 1);
            response.NextPageToken = page[^1].Uuid.ToString("N") + "." + filterKey;
        }
        response.Domains.AddRange(page.Select(ToProto.Summary));
        return response;
    }

    public override async Task<LookupDomainResponse> LookupDomain(LookupDomainRequest request, ServerCallContext context) =>
        new() { Domain = ToProto.Summary(await LookupAsync(request.Domain, context).ConfigureAwait(false)) };

    public override async Task<GetDomainInfoResponse> GetDomainInfo(GetDomainInfoRequest request, ServerCallContext context) =>
        await InfoAsync(await LookupAsync(request.Domain, context).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false);

    public override async Task<GetDomainStateResponse> GetDomainState(GetDomainStateRequest request, ServerCallContext context) =>
        new() { Status = ToProto.Status(await LookupAsync(request.Domain, context).ConfigureAwait(false)) };

    public override async Task<GetDomainXmlResponse> GetDomainXml(GetDomainXmlRequest request, ServerCallContext context)
    {
        if (request.SecurityInfo && context.GetConnectionInfo().IsReadOnly)
        {
            // libvirt's virDomainGetXMLDesc refuses VIR_DOMAIN_XML_SECURE on a read-only connection the same way.
            throw ApiErrors.SecurityInfoReadOnly();
        }
        Requests.Unsupported(request.Migratable, "migratable", "XML for migration (--migratable)");
        Requests.Unsupported(request.UpdateCpu, "update_cpu", "updating the guest CPU from the host (--update-cpu)");
        var domain = await LookupAsync(request.Domain, context).ConfigureAwait(false);
        var definition = request.Inactive ? (domain.InactiveDefinition ?? domain.Definition) with { Id = null } : domain.Definition;
        return new GetDomainXmlResponse { Xml = DomainXml.Format(request.SecurityInfo ? definition : definition.WithoutSecrets()) };
    }

    /// <summary>virsh domxml-to-native: what a start of the XML would run, from a driver that runs a process per guest.</summary>
    public override async Task<ConvertDomainXmlToNativeResponse> ConvertDomainXmlToNative(ConvertDomainXmlToNativeRequest request, ServerCallContext context)
    {
        // The contract first: a driver without one refuses whatever the XML, as libvirt's test driver does.
        var converter = Contract<IDomainNativeConfig>("virConnectDomainXMLToNative");
        var native = await converter.ConvertXmlToNativeAsync(request.Format, Requests.Xml(request.Xml), context.CancellationToken).ConfigureAwait(false);
        var response = new ConvertDomainXmlToNativeResponse { NativeConfig = native.Line };
        response.Argv.AddRange(native.Argv);
        response.Env.Add(native.Environment.ToDictionary());
        return response;
    }

    /// <summary>A stored definition's XML (a save image's) as GetDomainXml would give it: passwords only with security_info.</summary>
    private static string WithSecretsIf(bool securityInfo, string xml)
    {
        if (securityInfo)
        {
            return xml;
        }
        var definition = DomainXml.Parse(xml);
        var shown = definition.WithoutSecrets();
        return ReferenceEquals(shown, definition) ? xml : DomainXml.Format(shown);
    }

    public override async Task<GetDomainMetadataResponse> GetDomainMetadata(GetDomainMetadataRequest request, ServerCallContext context)
    {
        var type = MetadataType(request.Type);
        if (type == DomainMetadataType.Element && request.Uri.Length == 0)
        {
            throw ApiErrors.InvalidArgument("uri", "A metadata element is found by its namespace URI: set uri.");
        }
        var domain = await LookupAsync(request.Domain, context).ConfigureAwait(false);
        Virt.Domain.DomainDefinition definition;
        if (request.Config)
        {
            definition = domain.Persistent
                ? domain.InactiveDefinition ?? domain.Definition
                : throw VirtException.OperationInvalid(domain.Name, "get the metadata of", domain.State, "transient domains do not have any persistent config");
        }
        else
        {
            definition = domain.Definition;
        }
        var value = type switch
        {
            DomainMetadataType.Description => definition.Description,
            DomainMetadataType.Title => definition.Title,
            _ => definition.Metadata.FirstOrDefault(m => m.NamespaceUri == request.Uri)?.WithoutNamespace(),
        };
        return value is not null
            ? new GetDomainMetadataResponse { Value = value }
            : throw new VirtException(VirtErrorReason.MetadataNotFound, "metadata not found: Requested metadata element is not present",
                new Dictionary<string, string> { ["domain"] = domain.Name, ["uri"] = request.Uri });
    }

    public override async Task<DefineDomainResponse> DefineDomain(DefineDomainRequest request, ServerCallContext context)
    {
        var xml = Requests.Xml(request.Xml);
        // request.Validate asks for libvirt's RNG check; the parser already refuses anything outside the schema it
        // implements (and anything unsupported), so there is nothing further to run.
        var existing = await FindByDocumentNameAsync(xml, context.CancellationToken).ConfigureAwait(false);
        var defined = await driver.DefineDomainAsync(xml, context.CancellationToken).ConfigureAwait(false);
        return new DefineDomainResponse
        {
            Domain = ToProto.Identity(defined),
            Replaced = existing is { Persistent: true } && existing.Uuid == defined.Uuid,
        };
    }

    public override async Task<UndefineDomainResponse> UndefineDomain(UndefineDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        Requests.Unsupported(request.RemoveStorage.Count > 0, "remove_storage", "removing storage volumes (--storage)");
        Requests.Unsupported(request.RemoveAllStorage, "remove_all_storage", "removing storage volumes (--remove-all-storage)");
        Requests.Unsupported(request.DeleteStorageVolumeSnapshots, "delete_storage_volume_snapshots", "removing storage volumes (--delete-storage-volume-snapshots)");
        Requests.Unsupported(request.WipeStorage, "wipe_storage", "wiping storage volumes (--wipe-storage)");
        if (request.Nvram && request.KeepNvram)
        {
            throw ApiErrors.InvalidArgument("keep_nvram", "nvram and keep_nvram contradict each other; set one.");
        }
        if (request.Tpm && request.KeepTpm)
        {
            throw ApiErrors.InvalidArgument("keep_tpm", "tpm and keep_tpm contradict each other; set one.");
        }
        // No driver keeps snapshots, checkpoints or TPM state yet, so those options have nothing to act on; NVRAM goes
        // to the driver (the QEMU driver removes, keeps or refuses over an existing file). A managed save image is
        // refused unless managed_save asks to remove it too, as libvirt does. Removing storage is the client's part, as
        // in virsh (vsh undefine --storage / --remove-all-storage look the volumes up, undefine, then wipe and delete).
        var current = await driver.LookupDomainAsync(reference, context.CancellationToken).ConfigureAwait(false);
        if (current.HasManagedSave && !request.ManagedSave)
        {
            // libvirt's qemuDomainUndefineFlags text (VIR_ERR_OPERATION_INVALID).
            throw VirtException.OperationInvalid(current.Name, "undefine", current.State, "Refusing to undefine while domain managed save image exists");
        }
        if (current.HasManagedSave)
        {
            await ManagedSaving().RemoveManagedSaveAsync(reference, context.CancellationToken).ConfigureAwait(false);
        }
        var nvram = request.Nvram ? UndefineNvram.Remove : request.KeepNvram ? UndefineNvram.Keep : UndefineNvram.Refuse;
        await driver.UndefineDomainAsync(reference, nvram, context.CancellationToken).ConfigureAwait(false);
        return new UndefineDomainResponse();
    }

    public override async Task<RenameDomainResponse> RenameDomain(RenameDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        if (request.NewName.Length == 0)
        {
            // libvirt's virDomainRename refuses an empty name before the driver sees it.
            throw ApiErrors.InvalidArgument("new_name", "A domain is renamed to a name: give new_name.");
        }
        var renamed = await driver.RenameDomainAsync(reference, request.NewName, context.CancellationToken).ConfigureAwait(false);
        return new RenameDomainResponse { Domain = ToProto.Identity(renamed) };
    }

    public override async Task<CreateDomainResponse> CreateDomain(CreateDomainRequest request, ServerCallContext context)
    {
        var xml = Requests.Xml(request.Xml);
        var closed = AutodestroyConnection(request.Autodestroy, context);
        Requests.Unsupported(request.ResetNvram, "reset_nvram", "re-creating the UEFI variable store (--reset-nvram)");
        var created = await driver.CreateDomainAsync(xml, request.Paused, context.CancellationToken).ConfigureAwait(false);
        await DestroyWhenClosedAsync(created, closed).ConfigureAwait(false);
        return new CreateDomainResponse { Domain = ToProto.Identity(created), Status = ToProto.Status(created) };
    }

    public override async Task<SetDomainAutostartResponse> SetDomainAutostart(SetDomainAutostartRequest request, ServerCallContext context)
    {
        await driver.SetAutostartAsync(Requests.Domain(request.Domain), request.Autostart, context.CancellationToken).ConfigureAwait(false);
        return new SetDomainAutostartResponse();
    }

    public override async Task<SetDomainMetadataResponse> SetDomainMetadata(SetDomainMetadataRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var type = MetadataType(request.Type);
        var modification = Requests.Modification(request.Live, request.Config);
        // An empty value removes, as libvirt's virDomainSetMetadata with a NULL or empty string.
        var value = request.Value.Length == 0 ? null : request.Value;
        if (type == DomainMetadataType.Element)
        {
            if (request.Uri.Length == 0)
            {
                throw ApiErrors.InvalidArgument("uri", "A metadata element is addressed by its namespace URI: set uri.");
            }
            if (value is not null)
            {
                Requests.Xml(value, "value");
                if (request.Key.Length == 0)
                {
                    throw ApiErrors.InvalidArgument("key", "Setting a metadata element needs key, the namespace prefix to write it with.");
                }
            }
            await driver.SetMetadataAsync(reference, request.Uri, request.Key.Length == 0 ? null : request.Key, value, modification, context.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (request.Key.Length > 0 || request.Uri.Length > 0)
            {
                throw ApiErrors.InvalidArgument(request.Key.Length > 0 ? "key" : "uri", "key and uri apply to metadata elements only, not to the title or description.");
            }
            await driver.SetDescriptionAsync(reference, type == DomainMetadataType.Title, value, modification, context.CancellationToken).ConfigureAwait(false);
        }
        return new SetDomainMetadataResponse();
    }

    public override async Task<StartDomainResponse> StartDomain(StartDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var closed = AutodestroyConnection(request.Autodestroy, context);
        Requests.Unsupported(request.ResetNvram, "reset_nvram", "re-creating the UEFI variable store (--reset-nvram)");
        // bypass_cache only concerns reading a managed save image (O_DIRECT; a driver without managed save has none to
        // read, as libvirt ignores it then). force_boot discards the image (DomainApi.ManagedSave.cs).
        var started = await StartAsync(reference, request, context.CancellationToken).ConfigureAwait(false);
        await DestroyWhenClosedAsync(started, closed).ConfigureAwait(false);
        return new StartDomainResponse { Domain = ToProto.Identity(started), Status = ToProto.Status(started) };
    }

    public override async Task<Job> ShutdownDomain(ShutdownDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        CheckModes(request.Modes);
        if (request.Force && request.Timeout is null)
        {
            throw ApiErrors.InvalidArgument("force", "force destroys the domain when the timeout passes: set timeout too.");
        }
        TimeSpan? timeout = null;
        if (request.Timeout is { } t)
        {
            timeout = t.Seconds >= 0 && t.Nanos >= 0 && t.Seconds <= Duration.MaxSeconds
                ? t.ToTimeSpan()
                : throw ApiErrors.InvalidArgument("timeout", "timeout must be a non-negative duration.");
        }
        var created = DateTimeOffset.UtcNow;
        var summary = await driver.ShutdownDomainAsync(reference, timeout, request.Force, context.CancellationToken).ConfigureAwait(false);
        // Jobs (JobService) arrive with their own issue; until then the shutdown runs within this call and the returned
        // job has already ended, which every client must handle anyway (wait = true returns the same).
        var ended = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return new Job
        {
            Id = "shutdown-" + Guid.NewGuid().ToString("N"),
            Operation = JobOperation.Shutdown,
            State = JobState.Succeeded,
            Domain = ToProto.Identity(summary),
            Description = "shutdown " + summary.Name,
            CreateTime = Timestamp.FromDateTimeOffset(created),
            StartTime = Timestamp.FromDateTimeOffset(created),
            EndTime = ended,
            Result = new JobResult
            {
                Forced = request.Force && summary.State == DriverState.Shutoff && summary.Reason == (int)DomainShutoffReason.Destroyed,
            },
        };
    }

    public override async Task<RebootDomainResponse> RebootDomain(RebootDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        CheckModes(request.Modes);
        await driver.RebootDomainAsync(reference, context.CancellationToken).ConfigureAwait(false);
        return new RebootDomainResponse();
    }

    public override async Task<ResetDomainResponse> ResetDomain(ResetDomainRequest request, ServerCallContext context)
    {
        await driver.ResetDomainAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false);
        return new ResetDomainResponse();
    }

    public override async Task<DestroyDomainResponse> DestroyDomain(DestroyDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var stopped = await driver.DestroyDomainAsync(reference, request.Graceful, request.RemoveLogs, context.CancellationToken).ConfigureAwait(false);
        // A transient domain is gone once stopped: NOSTATE, as documented on DestroyDomainResponse.
        var status = stopped.Persistent ? ToProto.Status(stopped) : new DomainStatus { State = Virt.Protocol.V1.DomainState.Nostate };
        return new DestroyDomainResponse { Status = status };
    }

    public override async Task<SuspendDomainResponse> SuspendDomain(SuspendDomainRequest request, ServerCallContext context) =>
        new() { Status = ToProto.Status(await driver.SuspendDomainAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false)) };

    public override async Task<ResumeDomainResponse> ResumeDomain(ResumeDomainRequest request, ServerCallContext context) =>
        new() { Status = ToProto.Status(await driver.ResumeDomainAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false)) };

    private Task<Virt.Driver.DomainSummary> LookupAsync(Virt.Protocol.V1.DomainRef? reference, ServerCallContext context) =>
        driver.LookupDomainAsync(Requests.Domain(reference), context.CancellationToken);

    private static DomainMetadataType MetadataType(DomainMetadataType type) =>
        type is DomainMetadataType.Description or DomainMetadataType.Title or DomainMetadataType.Element
            ? type
            : throw ApiErrors.InvalidArgument("type", $"Unknown metadata type {((int)type).ToString(CultureInfo.InvariantCulture)}.");

    private void CheckModes(IEnumerable<ShutdownMode> modes)
    {
        // Only the driver's own default is available (the QEMU driver's is the ACPI power button, which may be named);
        // the guest agent, initctl, a signal and paravirt are not.
        foreach (var mode in modes)
        {
            Requests.Unsupported(mode != ShutdownMode.Default && !(mode == ShutdownMode.AcpiPowerButton && driver.HasAcpiShutdown), "modes", $"shutdown mode {mode}");
        }
    }

    /// <summary>The driver filter for the request's, plus a check for what the driver cannot filter (snapshots, checkpoints).</summary>
    private static (DriverFilter Filter, Func<Virt.Driver.DomainSummary, bool> Extra) Filter(Virt.Protocol.V1.DomainListFilter? filter)
    {
        if (filter is null)
        {
            return (DriverFilter.All, _ => true);
        }
        List<DriverState> states = [];
        foreach (var group in filter.States)
        {
            states.AddRange(group switch
            {
                DomainStateFilter.Running => [DriverState.Running],
                DomainStateFilter.Paused => [DriverState.Paused],
                DomainStateFilter.Shutoff => [DriverState.Shutoff],
                DomainStateFilter.Other => [DriverState.NoState, DriverState.Blocked, DriverState.Shutdown, DriverState.Crashed, DriverState.PmSuspended],
                _ => throw ApiErrors.InvalidArgument("filter.states", "filter.states holds an unspecified state group; use RUNNING, PAUSED, SHUTOFF or OTHER."),
            });
        }
        var driverFilter = new DriverFilter
        {
            Active = filter.HasActive ? filter.Active : null,
            Persistent = filter.HasPersistent ? filter.Persistent : null,
            Autostart = filter.HasAutostart ? filter.Autostart : null,
            HasManagedSave = filter.HasHasManagedSave ? filter.HasManagedSave : null,
            States = states,
        };
        // No driver keeps snapshots or checkpoints yet: no domain has any.
        var withSnapshot = filter.HasHasSnapshot && filter.HasSnapshot;
        var withCheckpoint = filter.HasHasCheckpoint && filter.HasCheckpoint;
        return (driverFilter, _ => !withSnapshot && !withCheckpoint);
    }

    /// <summary>A short digest of the filter, carried in page tokens so a token cannot be used with another filter.</summary>
    private static string FilterKey(Virt.Protocol.V1.DomainListFilter? filter) =>
        Convert.ToHexStringLower(XxHash3.Hash(filter?.ToByteArray() ?? []).AsSpan(0, 6));

    private static Guid PageCursor(string token, string filterKey)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || !Guid.TryParseExact(token.AsSpan(0, dot), "N", out var uuid))
        {
            throw ApiErrors.InvalidArgument("page_token", "page_token is not one this server handed out; pass next_page_token unchanged.");
        }
        return token[(dot + 1)..] == filterKey
            ? uuid
            : throw ApiErrors.InvalidArgument("page_token", "page_token belongs to a listing with another filter; keep the filter the same across pages.");
    }

    /// <summary>
    /// The domain a document's &lt;name&gt; names, if it exists, so DefineDomain can say whether it replaced a
    /// definition. A light read of the start of the document only: the driver parses and checks it properly.
    /// </summary>
    private async Task<Virt.Driver.DomainSummary?> FindByDocumentNameAsync(string xml, CancellationToken cancellationToken)
    {
        string? name = null;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true });
            if (reader.MoveToContent() == XmlNodeType.Element && reader.Name == "domain" && !reader.IsEmptyElement)
            {
                reader.Read();
                while (reader.MoveToContent() == XmlNodeType.Element || reader.NodeType == XmlNodeType.Whitespace)
                {
                    if (reader.Depth == 1 && reader.Name == "name")
                    {
                        name = reader.ReadElementContentAsString().Trim();
                        break;
                    }
                    reader.Skip();
                }
            }
        }
        catch (XmlException)
        {
            // Malformed: the driver reports it with its own words.
            return null;
        }
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }
        try
        {
            return await driver.LookupDomainAsync(Virt.Driver.DomainRef.ByName(name), cancellationToken).ConfigureAwait(false);
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.DomainNotFound)
        {
            return null;
        }
    }
}
