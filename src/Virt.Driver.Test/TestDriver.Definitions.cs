using Virt.Domain;

namespace Virt.Driver.Test;

/// <summary>Define, undefine, create, and the parts of a definition that can be changed in place.</summary>
public sealed partial class TestDriver
{
    public Task<DomainSummary> DefineDomainAsync(string xml, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var definition = TestDefinitions.Parse(xml);
        lock (_lock)
        {
            var existing = FindSameDomain(definition);
            if (existing is null)
            {
                var added = DomainEntry.Inactive(definition, StateReasons.Unknown, autostart: false);
                return Task.FromResult(Commit(added.Uuid, ChangeOutcome.Kept(added, Event(added, DomainEventType.Defined, EventDetails.DefinedAdded))));
            }
            // A running domain keeps its live definition; the new one takes effect when it next starts.
            var detail = existing.Persistent is null ? EventDetails.DefinedAdded : EventDetails.DefinedUpdated;
            var updated = existing.IsActive ? existing.With(definition, existing.Live) : DomainEntry.Inactive(definition, existing.Reason, existing.Autostart);
            return Task.FromResult(Commit(updated.Uuid, ChangeOutcome.Kept(updated, Event(updated, DomainEventType.Defined, detail))));
        }
    }

    public Task<DomainSummary> UndefineDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        // libvirt's test driver does not refuse a transient domain here: it sends "undefined" again and keeps it running.
        Task.FromResult(Change(domain, entry =>
        {
            var lifecycle = Event(entry, DomainEventType.Undefined, EventDetails.UndefinedRemoved);
            if (entry.IsActive)
            {
                return ChangeOutcome.Kept(entry.With(null, entry.Live), lifecycle);
            }
            return new ChangeOutcome(null, entry.Summary with { Persistent = false }, lifecycle);
        }, cancellationToken));

    /// <summary>libvirt's testDomainRename: an Undefined (renamed) event for the old name, a Defined (renamed) one for the new.</summary>
    public Task<DomainSummary> RenameDomainAsync(DomainRef domain, string newName, CancellationToken cancellationToken) =>
        Task.FromResult(Change(domain, entry =>
        {
            DomainRenaming.CheckState(entry.Summary);
            DomainRenaming.CheckName(entry.Summary, newName, name => _domains.Values.Any(other => other.Name == name));
            _events.Append(Event(entry, DomainEventType.Undefined, DomainRenaming.UndefinedRenamed));
            var renamed = DomainEntry.Inactive(entry.Persistent! with { Name = newName }, entry.Reason, entry.Autostart);
            return ChangeOutcome.Kept(renamed, Event(renamed, DomainEventType.Defined, DomainRenaming.DefinedRenamed));
        }, cancellationToken));

    public Task<DomainSummary> CreateDomainAsync(string xml, bool startPaused, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RefusePaused(startPaused);
        var definition = TestDefinitions.Parse(xml);
        lock (_lock)
        {
            var existing = FindSameDomain(definition);
            if (existing is not null && existing.IsActive)
            {
                throw VirtException.OperationInvalid(existing.Name, "create", existing.State, $"domain '{existing.Name}' is already active");
            }
            // An inactive persistent domain of the same name and UUID runs this definition once and keeps its own.
            var started = (existing ?? new DomainEntry(null, definition, DomainState.Shutoff, StateReasons.Unknown, -1, autostart: false))
                .Started(definition, _nextId++);
            return Task.FromResult(Commit(started.Uuid, ChangeOutcome.Kept(started, Event(started, DomainEventType.Started, EventDetails.StartedBooted))));
        }
    }

    public Task<DomainSummary> SetDescriptionAsync(DomainRef domain, bool title, string? text, DomainModification modification, CancellationToken cancellationToken)
    {
        if (title && text is not null && text.Contains('\n', StringComparison.Ordinal))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "A title is one line: remove the newlines from it.", new Dictionary<string, string> { ["domain"] = domain?.ToString() ?? "" });
        }
        // libvirt clears the field when given an empty string, as when given none.
        var value = string.IsNullOrEmpty(text) ? null : text;
        return Task.FromResult(Change(domain!, entry =>
        {
            var next = Edit(entry, modification, title ? "set the title of" : "set the description of", d => title ? d with { Title = value } : d with { Description = value }, out var applied);
            return ChangeOutcome.Kept(next, DomainDefinitionChangedEvent.ForMetadata(entry.Name, entry.Uuid, applied, title ? MetadataKind.Title : MetadataKind.Description, null));
        }, cancellationToken));
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
        return Task.FromResult(Change(domain, entry =>
        {
            var next = Edit(entry, modification, "set the metadata of", d =>
            {
                // Removing an element that is not there succeeds, as in libvirt.
                IEnumerable<MetadataElement> kept = d.Metadata.Where(m => m.NamespaceUri != namespaceUri);
                return d with { Metadata = new ValueList<MetadataElement>(element is null ? kept : kept.Append(element)) };
            }, out var applied);
            return ChangeOutcome.Kept(next, DomainDefinitionChangedEvent.ForMetadata(entry.Name, entry.Uuid, applied, MetadataKind.Element, namespaceUri));
        }, cancellationToken));
    }

    /// <summary>
    /// Applies <paramref name="edit"/> to the definitions <paramref name="modification"/> names, with libvirt's
    /// virDomainObjGetDefs rules: current means live when active and config otherwise; live needs an active domain
    /// and config a persistent one.
    /// </summary>
    private static DomainEntry Edit(DomainEntry entry, DomainModification modification, string operation, Func<DomainDefinition, DomainDefinition> edit, out DomainModification applied)
    {
        var (live, config) = modification.Targets(entry.Summary, operation);
        applied = (live ? DomainModification.Live : 0) | (config ? DomainModification.Config : 0);
        return entry.With(config ? edit(entry.Persistent!) : entry.Persistent, live ? edit(entry.Live!) : entry.Live);
    }

    /// <summary>
    /// The domain a new definition refers to (same UUID and name), null when there is none, or DomainExists when its
    /// name or UUID belongs to another domain, with libvirt's words (virDomainObjListAddLocked).
    /// </summary>
    private DomainEntry? FindSameDomain(DomainDefinition definition)
    {
        if (_domains.TryGetValue(definition.Uuid, out var byUuid))
        {
            return byUuid.Name == definition.Name
                ? byUuid
                : throw VirtException.DomainExists(definition.Name, $"domain '{byUuid.Name}' is already defined with uuid {byUuid.Uuid}");
        }
        var byName = _domains.Values.FirstOrDefault(e => e.Name == definition.Name);
        return byName is null
            ? null
            : throw VirtException.DomainExists(definition.Name, $"domain '{definition.Name}' already exists with uuid {byName.Uuid}");
    }
}
