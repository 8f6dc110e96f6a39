using System.Text.Json;
using Virt.Cli.Output;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Runtime;

/// <summary>API replies onto Virt.Cli.Output's records (text), and the same facts onto JSON fields.</summary>
internal static class Mapping
{
    /// <summary>libvirt's numbers on both sides, so the cast is the mapping.</summary>
    public static DomainState State(Proto.DomainStatus? status) => (DomainState)(int)(status?.State ?? Proto.DomainState.Nostate);

    /// <summary>-1 (inactive) becomes null, which virsh prints as "-".</summary>
    public static int? Id(Proto.DomainIdentity? identity) => identity is { Id: > 0 } i ? i.Id : null;

    public static DomainRow Row(Proto.DomainSummary d) => new(
        Id(d.Domain),
        d.Domain.Name,
        d.Domain.Uuid,
        State(d.Status),
        string.IsNullOrEmpty(d.Title) ? null : d.Title,
        d.HasManagedSave);

    public static DomainInfo Info(Proto.GetDomainInfoResponse info)
    {
        // virsh prints the host's security model and DOI for every domain, and the label only while it runs.
        var label = info.SecurityLabels.FirstOrDefault();
        return new DomainInfo(
            Id(info.Domain),
            info.Domain.Name,
            info.Domain.Uuid,
            string.IsNullOrEmpty(info.OsType) ? null : info.OsType,
            State(info.Status),
            (int)info.Vcpus,
            info.CpuTimeNs,
            info.MaxMemoryKib,
            info.MemoryKib,
            info.Persistent,
            info.Autostart,
            info.HasManagedSave,
            label?.Model,
            label?.Doi ?? "",
            label?.Label,
            label?.Enforcing ?? true);
    }

    public static NetworkRow Row(Proto.NetworkSummary n) =>
        new(n.Network.Name, n.Network.Uuid, n.Active, n.Autostart, n.Persistent);

    public static StoragePoolState State(Proto.StoragePoolState state) => (StoragePoolState)(int)state;

    public static PoolRow Row(Proto.PoolSummary p) => new(
        p.Pool.Name,
        p.Pool.Uuid,
        State(p.State),
        p.Autostart,
        p.Persistent,
        p.CapacityBytes,
        p.AllocationBytes,
        p.AvailableBytes);

    /// <summary>A domain's identity as JSON: <c>{"name","uuid","id"}</c> (id null while inactive).</summary>
    public static void WriteDomain(this Utf8JsonWriter w, string property, Proto.DomainIdentity identity)
    {
        w.WriteStartObject(property);
        w.WriteString("name", identity.Name);
        w.WriteString("uuid", identity.Uuid);
        w.NumberOrNull("id", Id(identity));
        w.WriteEndObject();
    }

    /// <summary>A state and its reason as JSON, in virsh's words and libvirt's numbers.</summary>
    public static void WriteState(this Utf8JsonWriter w, Proto.DomainStatus? status)
    {
        var state = State(status);
        var reason = status?.Reason ?? 0;
        w.WriteString("state", DomainStateNames.State(state));
        w.WriteString("reason", DomainStateNames.Reason(state, reason));
        w.WriteNumber("state_code", (int)state);
        w.WriteNumber("reason_code", reason);
    }
}
