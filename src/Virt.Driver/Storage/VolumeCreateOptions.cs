namespace Virt.Driver;

/// <summary>How a volume is created.</summary>
public sealed record VolumeCreateOptions
{
    /// <summary>--prealloc-metadata: preallocate qcow2 metadata.</summary>
    public bool PreallocateMetadata { get; init; }

    /// <summary>vol-create-from / vol-clone: the volume whose contents the new one gets (converted to the new format).</summary>
    public VolumeLocator? Source { get; init; }

    /// <summary>True when the allocation was not given (vol-create-as without --allocation): sparse files.</summary>
    public bool Sparse { get; init; }

    /// <summary>For a copy (<see cref="Source"/>): called with the share copied so far, 0 to 1, from any thread (the job's progress).</summary>
    public Action<double>? Progress { get; init; }
}
