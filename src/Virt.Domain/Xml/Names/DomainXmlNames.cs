namespace Virt.Domain.Xml;

/// <summary>The string tables that map libvirt XML values to enum values; kept out of the records so the records stay format-agnostic.</summary>
public static partial class DomainXmlNames
{
    /// <summary>Names of <see cref="DomainType"/> values.</summary>
    public static readonly EnumMap<DomainType> DomainType = new(("qemu", global::Virt.Domain.DomainType.Qemu), ("kvm", global::Virt.Domain.DomainType.Kvm), ("test", global::Virt.Domain.DomainType.Test));

    /// <summary>Names of <see cref="VcpuPlacement"/> values.</summary>
    public static readonly EnumMap<VcpuPlacement> VcpuPlacement = new(("static", global::Virt.Domain.VcpuPlacement.Static), ("auto", global::Virt.Domain.VcpuPlacement.Auto));

    /// <summary>Names of <see cref="NumaMemoryMode"/> values.</summary>
    public static readonly EnumMap<NumaMemoryMode> NumaMemoryMode = new(("strict", global::Virt.Domain.NumaMemoryMode.Strict), ("preferred", global::Virt.Domain.NumaMemoryMode.Preferred), ("interleave", global::Virt.Domain.NumaMemoryMode.Interleave), ("restrictive", global::Virt.Domain.NumaMemoryMode.Restrictive));

    /// <summary>Names of <see cref="NumaPlacement"/> values.</summary>
    public static readonly EnumMap<NumaPlacement> NumaPlacement = new(("static", global::Virt.Domain.NumaPlacement.Static), ("auto", global::Virt.Domain.NumaPlacement.Auto));

    /// <summary>Names of <see cref="CpuMode"/> values.</summary>
    public static readonly EnumMap<CpuMode> CpuMode = new(("custom", global::Virt.Domain.CpuMode.Custom), ("host-model", global::Virt.Domain.CpuMode.HostModel), ("host-passthrough", global::Virt.Domain.CpuMode.HostPassthrough), ("maximum", global::Virt.Domain.CpuMode.Maximum));

    /// <summary>Names of <see cref="CpuMatch"/> values.</summary>
    public static readonly EnumMap<CpuMatch> CpuMatch = new(("minimum", global::Virt.Domain.CpuMatch.Minimum), ("exact", global::Virt.Domain.CpuMatch.Exact), ("strict", global::Virt.Domain.CpuMatch.Strict));

    /// <summary>Names of <see cref="CpuCheck"/> values.</summary>
    public static readonly EnumMap<CpuCheck> CpuCheck = new(("none", global::Virt.Domain.CpuCheck.None), ("partial", global::Virt.Domain.CpuCheck.Partial), ("full", global::Virt.Domain.CpuCheck.Full));

    /// <summary>Names of <see cref="CpuModelFallback"/> values.</summary>
    public static readonly EnumMap<CpuModelFallback> CpuModelFallback = new(("allow", global::Virt.Domain.CpuModelFallback.Allow), ("forbid", global::Virt.Domain.CpuModelFallback.Forbid));

    /// <summary>Names of <see cref="CpuFeaturePolicy"/> values.</summary>
    public static readonly EnumMap<CpuFeaturePolicy> CpuFeaturePolicy = new(("force", global::Virt.Domain.CpuFeaturePolicy.Force), ("require", global::Virt.Domain.CpuFeaturePolicy.Require), ("optional", global::Virt.Domain.CpuFeaturePolicy.Optional), ("disable", global::Virt.Domain.CpuFeaturePolicy.Disable), ("forbid", global::Virt.Domain.CpuFeaturePolicy.Forbid));

    /// <summary>Names of <see cref="NumaMemAccess"/> values.</summary>
    public static readonly EnumMap<NumaMemAccess> NumaMemAccess = new(("shared", global::Virt.Domain.NumaMemAccess.Shared), ("private", global::Virt.Domain.NumaMemAccess.Private));

    /// <summary>Names of <see cref="OsType"/> values.</summary>
    public static readonly EnumMap<OsType> OsType = new(("hvm", global::Virt.Domain.OsType.Hvm), ("linux", global::Virt.Domain.OsType.Linux));

    /// <summary>Names of <see cref="LoaderType"/> values.</summary>
    public static readonly EnumMap<LoaderType> LoaderType = new(("rom", global::Virt.Domain.LoaderType.Rom), ("pflash", global::Virt.Domain.LoaderType.Pflash));

    /// <summary>Names of <see cref="BootDevice"/> values.</summary>
    public static readonly EnumMap<BootDevice> BootDevice = new(("fd", global::Virt.Domain.BootDevice.Fd), ("hd", global::Virt.Domain.BootDevice.Hd), ("cdrom", global::Virt.Domain.BootDevice.Cdrom), ("network", global::Virt.Domain.BootDevice.Network));

    /// <summary>Names of <see cref="SmbiosMode"/> values.</summary>
    public static readonly EnumMap<SmbiosMode> SmbiosMode = new(("emulate", global::Virt.Domain.SmbiosMode.Emulate), ("host", global::Virt.Domain.SmbiosMode.Host), ("sysinfo", global::Virt.Domain.SmbiosMode.Sysinfo));

    /// <summary>Names of <see cref="ClockOffset"/> values.</summary>
    public static readonly EnumMap<ClockOffset> ClockOffset = new(("utc", global::Virt.Domain.ClockOffset.Utc), ("localtime", global::Virt.Domain.ClockOffset.Localtime), ("timezone", global::Virt.Domain.ClockOffset.Timezone), ("variable", global::Virt.Domain.ClockOffset.Variable));

    /// <summary>Names of <see cref="TimerName"/> values.</summary>
    public static readonly EnumMap<TimerName> TimerName = new(("platform", global::Virt.Domain.TimerName.Platform), ("pit", global::Virt.Domain.TimerName.Pit), ("rtc", global::Virt.Domain.TimerName.Rtc), ("hpet", global::Virt.Domain.TimerName.Hpet), ("tsc", global::Virt.Domain.TimerName.Tsc), ("kvmclock", global::Virt.Domain.TimerName.Kvmclock), ("hypervclock", global::Virt.Domain.TimerName.Hypervclock), ("armvtimer", global::Virt.Domain.TimerName.Armvtimer));

    /// <summary>Names of <see cref="TimerTickPolicy"/> values.</summary>
    public static readonly EnumMap<TimerTickPolicy> TimerTickPolicy = new(("delay", global::Virt.Domain.TimerTickPolicy.Delay), ("catchup", global::Virt.Domain.TimerTickPolicy.Catchup), ("merge", global::Virt.Domain.TimerTickPolicy.Merge), ("discard", global::Virt.Domain.TimerTickPolicy.Discard));

    /// <summary>Names of <see cref="TimerTrack"/> values.</summary>
    public static readonly EnumMap<TimerTrack> TimerTrack = new(("boot", global::Virt.Domain.TimerTrack.Boot), ("guest", global::Virt.Domain.TimerTrack.Guest), ("wall", global::Virt.Domain.TimerTrack.Wall), ("realtime", global::Virt.Domain.TimerTrack.Realtime));

    /// <summary>Names of <see cref="LifecycleAction"/> values.</summary>
    public static readonly EnumMap<LifecycleAction> LifecycleAction = new(("destroy", global::Virt.Domain.LifecycleAction.Destroy), ("restart", global::Virt.Domain.LifecycleAction.Restart), ("rename-restart", global::Virt.Domain.LifecycleAction.RenameRestart), ("preserve", global::Virt.Domain.LifecycleAction.Preserve), ("coredump-destroy", global::Virt.Domain.LifecycleAction.CoredumpDestroy), ("coredump-restart", global::Virt.Domain.LifecycleAction.CoredumpRestart));

    /// <summary>Names of <see cref="DiskType"/> values.</summary>
    public static readonly EnumMap<DiskType> DiskType = new(("file", global::Virt.Domain.DiskType.File), ("block", global::Virt.Domain.DiskType.Block), ("volume", global::Virt.Domain.DiskType.Volume));

    /// <summary>Names of <see cref="DiskDevice"/> values.</summary>
    public static readonly EnumMap<DiskDevice> DiskDevice = new(("disk", global::Virt.Domain.DiskDevice.Disk), ("cdrom", global::Virt.Domain.DiskDevice.Cdrom), ("floppy", global::Virt.Domain.DiskDevice.Floppy), ("lun", global::Virt.Domain.DiskDevice.Lun));

    /// <summary>Names of <see cref="DiskBus"/> values.</summary>
    public static readonly EnumMap<DiskBus> DiskBus = new(("ide", global::Virt.Domain.DiskBus.Ide), ("fdc", global::Virt.Domain.DiskBus.Fdc), ("scsi", global::Virt.Domain.DiskBus.Scsi), ("virtio", global::Virt.Domain.DiskBus.Virtio), ("usb", global::Virt.Domain.DiskBus.Usb), ("sata", global::Virt.Domain.DiskBus.Sata), ("sd", global::Virt.Domain.DiskBus.Sd));

    /// <summary>Names of <see cref="DiskCache"/> values.</summary>
    public static readonly EnumMap<DiskCache> DiskCache = new(("default", global::Virt.Domain.DiskCache.Default), ("none", global::Virt.Domain.DiskCache.None), ("writethrough", global::Virt.Domain.DiskCache.Writethrough), ("writeback", global::Virt.Domain.DiskCache.Writeback), ("directsync", global::Virt.Domain.DiskCache.Directsync), ("unsafe", global::Virt.Domain.DiskCache.Unsafe));

    /// <summary>Names of <see cref="DiskIo"/> values.</summary>
    public static readonly EnumMap<DiskIo> DiskIo = new(("native", global::Virt.Domain.DiskIo.Native), ("threads", global::Virt.Domain.DiskIo.Threads), ("io_uring", global::Virt.Domain.DiskIo.IoUring));

    /// <summary>Names of <see cref="DiskDiscard"/> values.</summary>
    public static readonly EnumMap<DiskDiscard> DiskDiscard = new(("unmap", global::Virt.Domain.DiskDiscard.Unmap), ("ignore", global::Virt.Domain.DiskDiscard.Ignore));

    /// <summary>Names of <see cref="ImageFormat"/> values.</summary>
    public static readonly EnumMap<ImageFormat> ImageFormat = new(("raw", global::Virt.Domain.ImageFormat.Raw), ("dir", global::Virt.Domain.ImageFormat.Dir), ("bochs", global::Virt.Domain.ImageFormat.Bochs), ("cloop", global::Virt.Domain.ImageFormat.Cloop), ("dmg", global::Virt.Domain.ImageFormat.Dmg), ("iso", global::Virt.Domain.ImageFormat.Iso), ("vpc", global::Virt.Domain.ImageFormat.Vpc), ("vdi", global::Virt.Domain.ImageFormat.Vdi), ("fat", global::Virt.Domain.ImageFormat.Fat), ("vhd", global::Virt.Domain.ImageFormat.Vhd), ("ploop", global::Virt.Domain.ImageFormat.Ploop), ("cow", global::Virt.Domain.ImageFormat.Cow), ("qcow", global::Virt.Domain.ImageFormat.Qcow), ("qcow2", global::Virt.Domain.ImageFormat.Qcow2), ("qed", global::Virt.Domain.ImageFormat.Qed), ("vmdk", global::Virt.Domain.ImageFormat.Vmdk), ("luks", global::Virt.Domain.ImageFormat.Luks), ("vhdx", global::Virt.Domain.ImageFormat.Vhdx));

    /// <summary>Names of <see cref="ControllerType"/> values.</summary>
    public static readonly EnumMap<ControllerType> ControllerType = new(("ide", global::Virt.Domain.ControllerType.Ide), ("fdc", global::Virt.Domain.ControllerType.Fdc), ("scsi", global::Virt.Domain.ControllerType.Scsi), ("sata", global::Virt.Domain.ControllerType.Sata), ("virtio-serial", global::Virt.Domain.ControllerType.VirtioSerial), ("usb", global::Virt.Domain.ControllerType.Usb), ("pci", global::Virt.Domain.ControllerType.Pci), ("ccid", global::Virt.Domain.ControllerType.Ccid));

    /// <summary>Names of <see cref="AddressType"/> values.</summary>
    public static readonly EnumMap<AddressType> AddressType = new(("pci", global::Virt.Domain.AddressType.Pci), ("drive", global::Virt.Domain.AddressType.Drive), ("virtio-serial", global::Virt.Domain.AddressType.VirtioSerial), ("usb", global::Virt.Domain.AddressType.Usb), ("ccid", global::Virt.Domain.AddressType.Ccid), ("isa", global::Virt.Domain.AddressType.Isa));

    /// <summary>Names of <see cref="InterfaceType"/> values.</summary>
    public static readonly EnumMap<InterfaceType> InterfaceType = new(("network", global::Virt.Domain.InterfaceType.Network), ("bridge", global::Virt.Domain.InterfaceType.Bridge), ("user", global::Virt.Domain.InterfaceType.User), ("direct", global::Virt.Domain.InterfaceType.Direct), ("ethernet", global::Virt.Domain.InterfaceType.Ethernet));

    /// <summary>Names of <see cref="InterfaceModel"/> values.</summary>
    public static readonly EnumMap<InterfaceModel> InterfaceModel = new(("virtio", global::Virt.Domain.InterfaceModel.Virtio), ("virtio-transitional", global::Virt.Domain.InterfaceModel.VirtioTransitional), ("virtio-non-transitional", global::Virt.Domain.InterfaceModel.VirtioNonTransitional), ("e1000", global::Virt.Domain.InterfaceModel.E1000), ("e1000e", global::Virt.Domain.InterfaceModel.E1000e), ("igb", global::Virt.Domain.InterfaceModel.Igb), ("rtl8139", global::Virt.Domain.InterfaceModel.Rtl8139), ("ne2k_pci", global::Virt.Domain.InterfaceModel.Ne2kPci), ("pcnet", global::Virt.Domain.InterfaceModel.Pcnet), ("vmxnet3", global::Virt.Domain.InterfaceModel.Vmxnet3), ("usb-net", global::Virt.Domain.InterfaceModel.UsbNet));

    /// <summary>Names of <see cref="DirectMode"/> values.</summary>
    public static readonly EnumMap<DirectMode> DirectMode = new(("vepa", global::Virt.Domain.DirectMode.Vepa), ("bridge", global::Virt.Domain.DirectMode.Bridge), ("private", global::Virt.Domain.DirectMode.Private), ("passthrough", global::Virt.Domain.DirectMode.Passthrough));

    /// <summary>Names of <see cref="InterfaceDriverName"/> values.</summary>
    public static readonly EnumMap<InterfaceDriverName> InterfaceDriverName = new(("qemu", global::Virt.Domain.InterfaceDriverName.Qemu), ("vhost", global::Virt.Domain.InterfaceDriverName.Vhost));

    /// <summary>Names of <see cref="CharDeviceType"/> values.</summary>
    public static readonly EnumMap<CharDeviceType> CharDeviceType = new(("null", global::Virt.Domain.CharDeviceType.Null), ("pty", global::Virt.Domain.CharDeviceType.Pty), ("dev", global::Virt.Domain.CharDeviceType.Dev), ("file", global::Virt.Domain.CharDeviceType.File), ("pipe", global::Virt.Domain.CharDeviceType.Pipe), ("stdio", global::Virt.Domain.CharDeviceType.Stdio), ("tcp", global::Virt.Domain.CharDeviceType.Tcp), ("unix", global::Virt.Domain.CharDeviceType.Unix), ("spicevmc", global::Virt.Domain.CharDeviceType.Spicevmc));

    /// <summary>Names of <see cref="CharSourceMode"/> values.</summary>
    public static readonly EnumMap<CharSourceMode> CharSourceMode = new(("bind", global::Virt.Domain.CharSourceMode.Bind), ("connect", global::Virt.Domain.CharSourceMode.Connect));

    /// <summary>Names of <see cref="CharProtocol"/> values.</summary>
    public static readonly EnumMap<CharProtocol> CharProtocol = new(("raw", global::Virt.Domain.CharProtocol.Raw), ("telnet", global::Virt.Domain.CharProtocol.Telnet), ("telnets", global::Virt.Domain.CharProtocol.Telnets), ("tls", global::Virt.Domain.CharProtocol.Tls));

    /// <summary>Names of <see cref="ChannelTargetType"/> values.</summary>
    public static readonly EnumMap<ChannelTargetType> ChannelTargetType = new(("virtio", global::Virt.Domain.ChannelTargetType.Virtio), ("guestfwd", global::Virt.Domain.ChannelTargetType.Guestfwd));

    /// <summary>Names of <see cref="ConsoleTargetType"/> values.</summary>
    public static readonly EnumMap<ConsoleTargetType> ConsoleTargetType = new(("serial", global::Virt.Domain.ConsoleTargetType.Serial), ("virtio", global::Virt.Domain.ConsoleTargetType.Virtio));

    /// <summary>Names of <see cref="SerialTargetType"/> values.</summary>
    public static readonly EnumMap<SerialTargetType> SerialTargetType = new(("isa-serial", global::Virt.Domain.SerialTargetType.IsaSerial), ("usb-serial", global::Virt.Domain.SerialTargetType.UsbSerial), ("pci-serial", global::Virt.Domain.SerialTargetType.PciSerial), ("system", global::Virt.Domain.SerialTargetType.System));

    /// <summary>Names of <see cref="InputType"/> values.</summary>
    public static readonly EnumMap<InputType> InputType = new(("mouse", global::Virt.Domain.InputType.Mouse), ("tablet", global::Virt.Domain.InputType.Tablet), ("keyboard", global::Virt.Domain.InputType.Keyboard));

    /// <summary>Names of <see cref="InputBus"/> values.</summary>
    public static readonly EnumMap<InputBus> InputBus = new(("ps2", global::Virt.Domain.InputBus.Ps2), ("usb", global::Virt.Domain.InputBus.Usb), ("virtio", global::Virt.Domain.InputBus.Virtio));

    /// <summary>Names of <see cref="GraphicsType"/> values.</summary>
    public static readonly EnumMap<GraphicsType> GraphicsType = new(("vnc", global::Virt.Domain.GraphicsType.Vnc), ("spice", global::Virt.Domain.GraphicsType.Spice));

    /// <summary>Names of <see cref="GraphicsListenType"/> values.</summary>
    public static readonly EnumMap<GraphicsListenType> GraphicsListenType = new(("address", global::Virt.Domain.GraphicsListenType.Address), ("network", global::Virt.Domain.GraphicsListenType.Network), ("socket", global::Virt.Domain.GraphicsListenType.Socket), ("none", global::Virt.Domain.GraphicsListenType.None));

    /// <summary>Names of <see cref="VideoModel"/> values.</summary>
    public static readonly EnumMap<VideoModel> VideoModel = new(("vga", global::Virt.Domain.VideoModel.Vga), ("cirrus", global::Virt.Domain.VideoModel.Cirrus), ("vmvga", global::Virt.Domain.VideoModel.Vmvga), ("qxl", global::Virt.Domain.VideoModel.Qxl), ("virtio", global::Virt.Domain.VideoModel.Virtio), ("bochs", global::Virt.Domain.VideoModel.Bochs), ("ramfb", global::Virt.Domain.VideoModel.Ramfb), ("none", global::Virt.Domain.VideoModel.None));

    /// <summary>Names of <see cref="MemBalloonModel"/> values.</summary>
    public static readonly EnumMap<MemBalloonModel> MemBalloonModel = new(("virtio", global::Virt.Domain.MemBalloonModel.Virtio), ("virtio-transitional", global::Virt.Domain.MemBalloonModel.VirtioTransitional), ("virtio-non-transitional", global::Virt.Domain.MemBalloonModel.VirtioNonTransitional), ("none", global::Virt.Domain.MemBalloonModel.None));

    /// <summary>Names of <see cref="RngModel"/> values.</summary>
    public static readonly EnumMap<RngModel> RngModel = new(("virtio", global::Virt.Domain.RngModel.Virtio), ("virtio-transitional", global::Virt.Domain.RngModel.VirtioTransitional), ("virtio-non-transitional", global::Virt.Domain.RngModel.VirtioNonTransitional));

    /// <summary>Names of <see cref="RngBackendModel"/> values.</summary>
    public static readonly EnumMap<RngBackendModel> RngBackendModel = new(("random", global::Virt.Domain.RngBackendModel.Random), ("egd", global::Virt.Domain.RngBackendModel.Egd), ("builtin", global::Virt.Domain.RngBackendModel.Builtin));

    /// <summary>Names of <see cref="WatchdogModel"/> values.</summary>
    public static readonly EnumMap<WatchdogModel> WatchdogModel = new(("i6300esb", global::Virt.Domain.WatchdogModel.I6300esb), ("ib700", global::Virt.Domain.WatchdogModel.Ib700), ("diag288", global::Virt.Domain.WatchdogModel.Diag288), ("itco", global::Virt.Domain.WatchdogModel.Itco));

    /// <summary>Names of <see cref="WatchdogAction"/> values.</summary>
    public static readonly EnumMap<WatchdogAction> WatchdogAction = new(("reset", global::Virt.Domain.WatchdogAction.Reset), ("shutdown", global::Virt.Domain.WatchdogAction.Shutdown), ("poweroff", global::Virt.Domain.WatchdogAction.Poweroff), ("pause", global::Virt.Domain.WatchdogAction.Pause), ("none", global::Virt.Domain.WatchdogAction.None), ("dump", global::Virt.Domain.WatchdogAction.Dump), ("inject-nmi", global::Virt.Domain.WatchdogAction.InjectNmi));

    /// <summary>Names of <see cref="FilesystemAccessMode"/> values.</summary>
    public static readonly EnumMap<FilesystemAccessMode> FilesystemAccessMode = new(("passthrough", global::Virt.Domain.FilesystemAccessMode.Passthrough), ("mapped", global::Virt.Domain.FilesystemAccessMode.Mapped), ("squash", global::Virt.Domain.FilesystemAccessMode.Squash));

    /// <summary>Names of <see cref="FilesystemDriverType"/> values.</summary>
    public static readonly EnumMap<FilesystemDriverType> FilesystemDriverType = new(("path", global::Virt.Domain.FilesystemDriverType.Path), ("handle", global::Virt.Domain.FilesystemDriverType.Handle), ("virtiofs", global::Virt.Domain.FilesystemDriverType.Virtiofs));

    /// <summary>Names of <see cref="SoundModel"/> values.</summary>
    public static readonly EnumMap<SoundModel> SoundModel = new(("sb16", global::Virt.Domain.SoundModel.Sb16), ("es1370", global::Virt.Domain.SoundModel.Es1370), ("pcspk", global::Virt.Domain.SoundModel.Pcspk), ("ac97", global::Virt.Domain.SoundModel.Ac97), ("ich6", global::Virt.Domain.SoundModel.Ich6), ("ich7", global::Virt.Domain.SoundModel.Ich7), ("ich9", global::Virt.Domain.SoundModel.Ich9), ("usb", global::Virt.Domain.SoundModel.Usb));

    /// <summary>Names of <see cref="PanicModel"/> values.</summary>
    public static readonly EnumMap<PanicModel> PanicModel = new(("isa", global::Virt.Domain.PanicModel.Isa), ("pseries", global::Virt.Domain.PanicModel.Pseries), ("hyperv", global::Virt.Domain.PanicModel.Hyperv), ("s390", global::Virt.Domain.PanicModel.S390), ("pvpanic", global::Virt.Domain.PanicModel.Pvpanic));

    /// <summary>Names of <see cref="SecurityLabelType"/> values.</summary>
    public static readonly EnumMap<SecurityLabelType> SecurityLabelType = new(("dynamic", global::Virt.Domain.SecurityLabelType.Dynamic), ("static", global::Virt.Domain.SecurityLabelType.Static), ("none", global::Virt.Domain.SecurityLabelType.None));
}
