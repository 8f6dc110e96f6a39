namespace Virt.Domain;

/// <summary>All devices of a guest, grouped by kind in libvirt's output order.</summary>
public sealed record DomainDevices
{
    /// <summary>Device model binary.</summary>
    public string? Emulator { get; init; }

    /// <summary>Disks.</summary>
    public ValueList<Disk> Disks { get; init; } = ValueList<Disk>.Empty;

    /// <summary>Controllers.</summary>
    public ValueList<Controller> Controllers { get; init; } = ValueList<Controller>.Empty;

    /// <summary>Shared filesystems.</summary>
    public ValueList<Filesystem> Filesystems { get; init; } = ValueList<Filesystem>.Empty;

    /// <summary>Network interfaces.</summary>
    public ValueList<NetworkInterface> Interfaces { get; init; } = ValueList<NetworkInterface>.Empty;

    /// <summary>Serial ports.</summary>
    public ValueList<CharDevice> Serials { get; init; } = ValueList<CharDevice>.Empty;

    /// <summary>Parallel ports.</summary>
    public ValueList<CharDevice> Parallels { get; init; } = ValueList<CharDevice>.Empty;

    /// <summary>Consoles.</summary>
    public ValueList<CharDevice> Consoles { get; init; } = ValueList<CharDevice>.Empty;

    /// <summary>Channels.</summary>
    public ValueList<CharDevice> Channels { get; init; } = ValueList<CharDevice>.Empty;

    /// <summary>Input devices.</summary>
    public ValueList<InputDevice> Inputs { get; init; } = ValueList<InputDevice>.Empty;

    /// <summary>Remote displays.</summary>
    public ValueList<Graphics> Graphics { get; init; } = ValueList<Graphics>.Empty;

    /// <summary>Sound cards.</summary>
    public ValueList<SoundDevice> Sounds { get; init; } = ValueList<SoundDevice>.Empty;

    /// <summary>Audio backends.</summary>
    public ValueList<AudioBackend> Audios { get; init; } = ValueList<AudioBackend>.Empty;

    /// <summary>Video cards.</summary>
    public ValueList<Video> Videos { get; init; } = ValueList<Video>.Empty;

    /// <summary>Assigned host devices.</summary>
    public ValueList<Hostdev> Hostdevs { get; init; } = ValueList<Hostdev>.Empty;

    /// <summary>USB redirection channels.</summary>
    public ValueList<RedirDevice> RedirDevices { get; init; } = ValueList<RedirDevice>.Empty;

    /// <summary>Watchdogs.</summary>
    public ValueList<Watchdog> Watchdogs { get; init; } = ValueList<Watchdog>.Empty;

    /// <summary>Memory balloon.</summary>
    public MemBalloon? MemBalloon { get; init; }

    /// <summary>Whether the guest has a balloon device (one that is not model='none').</summary>
    public bool HasMemBalloon => MemBalloon is { Model: not MemBalloonModel.None };

    /// <summary>Random number generators.</summary>
    public ValueList<RngDevice> Rngs { get; init; } = ValueList<RngDevice>.Empty;

    /// <summary>Panic notifiers.</summary>
    public ValueList<PanicDevice> Panics { get; init; } = ValueList<PanicDevice>.Empty;
}
