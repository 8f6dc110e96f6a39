namespace Virt.Domain.Storage;

/// <summary>A pool's source (<c>&lt;source&gt;</c>); which parts apply depends on the pool type.</summary>
public sealed record PoolSource
{
    /// <summary>Remote hosts (netfs, iscsi).</summary>
    public ValueList<PoolSourceHost> Hosts { get; init; } = ValueList<PoolSourceHost>.Empty;

    /// <summary>Device paths or iSCSI target IQNs (fs, logical, disk, iscsi).</summary>
    public ValueList<string> Devices { get; init; } = ValueList<string>.Empty;

    /// <summary>Remote directory (netfs).</summary>
    public string? Dir { get; init; }

    /// <summary>SCSI adapter type (<c>scsi_host</c> or <c>fc_host</c>).</summary>
    public string? AdapterType { get; init; }

    /// <summary>SCSI adapter name.</summary>
    public string? AdapterName { get; init; }

    /// <summary>Source name, e.g. the volume group (logical).</summary>
    public string? Name { get; init; }

    /// <summary>Initiator IQN (iscsi).</summary>
    public string? InitiatorIqn { get; init; }

    /// <summary>Source format, validated per pool type (e.g. nfs, lvm2, gpt, ext4).</summary>
    public string? Format { get; init; }
}
