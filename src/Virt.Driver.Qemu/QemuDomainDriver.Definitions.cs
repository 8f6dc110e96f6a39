using Virt.Domain;

namespace Virt.Driver.Qemu;

/// <summary>Define, undefine, autostart, and the parts of a definition that can be changed in place.</summary>
public sealed partial class QemuDomainDriver
{
    // libvirt's virDomainEventDefinedDetailType / virDomainEventUndefinedDetailType.
    private const int DefinedAdded = 0;
    private const int DefinedUpdated = 1;
    private const int UndefinedRemoved = 0;

    public async Task<DomainSummary> DefineDomainAsync(string xml, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Everything that can refuse the document runs before anything is claimed or written. One parse: a parsed
        // definition formats to a document that parses back to it (Virt.Domain.Tests' round-trip test), so the
        // stored document needs no second parse; edits, which build definitions by hand, still get one (Canonical).
        var definition = QemuDefinitions.Parse(xml, _options);
        var document = QemuDefinitions.Format(definition);
        using var job = await BeginAsync(definition.Uuid, definition.Name, "define", defining: true, cancellationToken).ConfigureAwait(false);
        var existing = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(definition.Uuid);
        await SaveDefinitionAsync(definition, document).ConfigureAwait(false);
        // A running domain keeps its live definition; the new one applies from its next start (libvirt).
        var summary = Update(definition.Uuid, latest => latest is null ? new DomainSummary { Definition = definition }
            : latest.IsActive ? latest with { Persistent = true, InactiveDefinition = definition == latest.Definition with { Id = null } ? null : definition }
            : latest with { Definition = definition, Persistent = true },
            _ => new DomainLifecycleEvent(definition.Name, definition.Uuid, DomainEventType.Defined, existing is { Persistent: true } ? DefinedUpdated : DefinedAdded))!;
        QemuDriverLog.Defined(_logger, definition.Name, definition.Uuid);
        return summary;
    }

    public Task<DomainSummary> UndefineDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        UndefineDomainAsync(domain, UndefineNvram.Refuse, cancellationToken);

    /// <summary>
    /// libvirt's qemuDomainUndefineFlags: an NVRAM file that exists is removed (<c>--nvram</c>), kept
    /// (<c>--keep-nvram</c>), or refuses the undefine, before anything else changes.
    /// </summary>
    public Task<DomainSummary> UndefineDomainAsync(DomainRef domain, UndefineNvram nvram, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "undefine", async current =>
        {
            var persistent = current.IsActive ? current.InactiveDefinition ?? current.Definition : current.Definition;
            if (persistent.Os.Nvram?.Path is { } nvramPath && File.Exists(nvramPath))
            {
                if (nvram == UndefineNvram.Remove)
                {
                    try
                    {
                        File.Delete(nvramPath);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new VirtException(VirtErrorReason.Internal, $"failed to remove nvram: {nvramPath}: {e.Message}",
                            new Dictionary<string, string> { ["domain"] = current.Name, ["path"] = nvramPath }, e);
                    }
                }
                else if (nvram == UndefineNvram.Refuse)
                {
                    throw VirtException.OperationInvalid(current.Name, "undefine", current.State, "cannot undefine domain with nvram");
                }
            }
            try
            {
                await _definitions.DeleteAsync(FileName(current.Uuid), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw StoreFailed(current.Name, "remove the definition of", e);
            }
            if (current.Autostart)
            {
                try
                {
                    await _autostart.DeleteAsync(FileName(current.Uuid), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The domain is gone already; a mark without a definition is removed at the next start.
                    QemuDriverLog.AutostartNotRemoved(_logger, current.Name, current.Uuid, e);
                }
            }
            // A running domain stays, transient, until it stops (libvirt).
            var next = Update(current.Uuid, latest => latest is { IsActive: true } ? latest with { Persistent = false, Autostart = false, InactiveDefinition = null } : null,
                _ => new DomainLifecycleEvent(current.Name, current.Uuid, DomainEventType.Undefined, UndefinedRemoved));
            QemuDriverLog.Undefined(_logger, current.Name, current.Uuid);
            return next ?? current with { Persistent = false, Autostart = false };
        }, cancellationToken);

    /// <summary>
    /// libvirt's qemuDomainRename: the definition is rewritten under its UUID's file name with the new name (one atomic
    /// write, so a crash leaves either name, never both or none), and the autostart mark follows. A managed save image
    /// carries the old name, so a domain with one is refused, as in libvirt.
    /// </summary>
    public Task<DomainSummary> RenameDomainAsync(DomainRef domain, string newName, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "rename", async current =>
        {
            lock (_indexLock)
            {
                DomainRenaming.CheckState(current);
                if (current.HasManagedSave)
                {
                    throw VirtException.OperationInvalid(current.Name, "rename", current.State, "domain with a managed saved state can't be renamed");
                }
                DomainRenaming.CheckName(current, newName, name => _snapshot.ByName.ContainsKey(name) || _claimedNames.ContainsKey(name));
                // Held until the snapshot has the new name, so no define or other rename takes it meanwhile.
                _claimedNames.Add(newName, current.Uuid);
            }
            try
            {
                var (document, renamed) = QemuDefinitions.Canonical(current.Definition with { Name = newName }, _options);
                await SaveDefinitionAsync(renamed, document).ConfigureAwait(false);
                if (current.Autostart)
                {
                    try
                    {
                        await _autostart.SaveAsync(FileName(current.Uuid), newName + "\n", CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        QemuDriverLog.AutostartMarkNotRenamed(_logger, newName, current.Uuid, e);
                    }
                }
                _events.Append(new DomainLifecycleEvent(current.Name, current.Uuid, DomainEventType.Undefined, DomainRenaming.UndefinedRenamed));
                var next = Update(current.Uuid, latest => latest! with { Definition = renamed },
                    _ => new DomainLifecycleEvent(newName, current.Uuid, DomainEventType.Defined, DomainRenaming.DefinedRenamed))!;
                QemuDriverLog.Renamed(_logger, current.Name, newName, current.Uuid);
                return next;
            }
            finally
            {
                lock (_indexLock)
                {
                    _claimedNames.Remove(newName);
                }
            }
        }, cancellationToken);

    public Task<DomainSummary> SetAutostartAsync(DomainRef domain, bool autostart, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "set autostart of", async current =>
        {
            if (current.Autostart == autostart)
            {
                return current;
            }
            try
            {
                if (autostart)
                {
                    await _autostart.SaveAsync(FileName(current.Uuid), current.Name + "\n", CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await _autostart.DeleteAsync(FileName(current.Uuid), CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw StoreFailed(current.Name, "change the autostart mark of", e);
            }
            return Update(current.Uuid, latest => latest! with { Autostart = autostart }, subject => DomainDefinitionChangedEvent.ForAutostart(subject.Name, subject.Uuid))!;
        }, cancellationToken);

    public Task<DomainSummary> SetDescriptionAsync(DomainRef domain, bool title, string? text, DomainModification modification, CancellationToken cancellationToken)
    {
        if (title && text is not null && text.Contains('\n', StringComparison.Ordinal))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "A title is one line: remove the newlines from it.", new Dictionary<string, string> { ["domain"] = domain?.ToString() ?? "" });
        }
        // libvirt clears the field when given an empty string, as when given none.
        var value = string.IsNullOrEmpty(text) ? null : text;
        var operation = title ? "set the title of" : "set the description of";
        return ChangeAsync(domain!, operation, current =>
            EditAsync(current, modification, operation, d => title ? d with { Title = value } : d with { Description = value },
                title ? MetadataKind.Title : MetadataKind.Description, null), cancellationToken);
    }

    public Task<DomainSummary> SetMetadataAsync(DomainRef domain, string namespaceUri, string? key, string? xml, DomainModification modification, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(namespaceUri))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "Metadata is addressed by its namespace URI: give one.");
        }
        if (xml is not null && string.IsNullOrEmpty(key))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "Setting a metadata element needs a key: the namespace prefix to write it with.", new Dictionary<string, string> { ["namespace"] = namespaceUri });
        }
        var element = xml is null ? null : MetadataElements.Parse(namespaceUri, key!, xml);
        return ChangeAsync(domain, "set the metadata of", current => EditAsync(current, modification, "set the metadata of", d =>
        {
            // Removing an element that is not there succeeds, as in libvirt.
            IEnumerable<MetadataElement> kept = d.Metadata.Where(m => m.NamespaceUri != namespaceUri);
            return d with { Metadata = new ValueList<MetadataElement>(element is null ? kept : kept.Append(element)) };
        }, MetadataKind.Element, namespaceUri), cancellationToken);
    }

    /// <summary>
    /// Applies an edit with libvirt's virDomainObjGetDefs rules: current means live for a running domain and config
    /// otherwise; live needs a running domain, config a persistent one. The live definition is kept in memory and in
    /// RUN/qemu/UUID.xml (QEMU is not involved in these edits).
    /// </summary>
    private async Task<DomainSummary> EditAsync(DomainSummary current, DomainModification modification, string operation, Func<DomainDefinition, DomainDefinition> edit, MetadataKind changed, string? uri)
    {
        var (live, config) = modification.Targets(current, operation);
        var next = current;
        if (config)
        {
            var persistent = current.IsActive ? current.InactiveDefinition ?? current.Definition with { Id = null } : current.Definition;
            var (document, definition) = QemuDefinitions.Canonical(edit(persistent), _options);
            if (definition != persistent)
            {
                await SaveDefinitionAsync(definition, document).ConfigureAwait(false);
                next = Update(current.Uuid, latest => latest!.IsActive ? latest with { InactiveDefinition = definition } : latest with { Definition = definition }, null)!;
            }
        }
        if (live)
        {
            var (document, definition) = QemuDefinitions.Canonical(edit(current.Definition), _options, live: true);
            if (definition != current.Definition)
            {
                await _liveDefinitions.SaveAsync(FileName(current.Uuid), document, CancellationToken.None).ConfigureAwait(false);
                next = Update(current.Uuid, latest => latest!.IsActive ? latest with { Definition = definition } : latest, null)!;
            }
        }
        if (!ReferenceEquals(next, current))
        {
            // libvirt's METADATA_CHANGE; it carries no live/config flags, the feed does.
            var applied = (live ? DomainModification.Live : DomainModification.Current) | (config ? DomainModification.Config : DomainModification.Current);
            _events.Append(DomainDefinitionChangedEvent.ForMetadata(current.Name, current.Uuid, applied, changed, uri));
        }
        return next;
    }

    /// <summary>
    /// Writes the file durably. Not cancellable: once the write starts it runs to the commit, so that a call that
    /// is cancelled cannot leave a file on disk that memory does not know.
    /// </summary>
    private async Task SaveDefinitionAsync(DomainDefinition definition, string document)
    {
        try
        {
            await _definitions.SaveAsync(FileName(definition.Uuid), document, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StoreFailed(definition.Name, "save the definition of", e);
        }
    }

    private static VirtException StoreFailed(string name, string what, Exception e) =>
        new(VirtErrorReason.Internal, $"Cannot {what} domain '{name}': {e.Message}", new Dictionary<string, string> { ["domain"] = name }, e);
}
