using System.Collections.Frozen;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// The libvirt entry point that virsh calls for each mutating method, so that a read-only refusal reads as libvirt's
/// ("operation forbidden: read only access prevents virDomainDestroy"). Where virsh picks the entry point by its
/// options (destroy with --graceful, start with flags), the request decides.
/// </summary>
internal static class LibvirtApiNames
{
    private static readonly FrozenDictionary<string, string> _byMethod = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DefineDomain"] = "virDomainDefineXML",
        ["UndefineDomain"] = "virDomainUndefineFlags",
        ["CreateDomain"] = "virDomainCreateXML",
        ["SetDomainAutostart"] = "virDomainSetAutostart",
        ["SetDomainMetadata"] = "virDomainSetMetadata",
        ["RenameDomain"] = "virDomainRename",
        ["ConvertDomainXmlToNative"] = "virConnectDomainXMLToNative",
        ["AttachDevice"] = "virDomainAttachDeviceFlags",
        ["DetachDevice"] = "virDomainDetachDeviceFlags",
        ["UpdateDevice"] = "virDomainUpdateDeviceFlags",
        ["StartDomain"] = "virDomainCreate",
        ["ShutdownDomain"] = "virDomainShutdown",
        ["RebootDomain"] = "virDomainReboot",
        ["ResetDomain"] = "virDomainReset",
        ["DestroyDomain"] = "virDomainDestroy",
        ["SuspendDomain"] = "virDomainSuspend",
        ["ResumeDomain"] = "virDomainResume",
        ["SetMemory"] = "virDomainSetMemoryFlags",
        ["SetMaxMemory"] = "virDomainSetMemoryFlags",
        ["SetVcpus"] = "virDomainSetVcpusFlags",
        ["PinVcpu"] = "virDomainPinVcpuFlags",
        ["PinEmulator"] = "virDomainPinEmulator",
        ["SendKey"] = "virDomainSendKey",
        ["TakeScreenshot"] = "virDomainScreenshot",
        ["OpenConsole"] = "virDomainOpenConsole",
        ["SaveDomain"] = "virDomainSaveFlags",
        ["RestoreDomain"] = "virDomainRestoreFlags",
        ["DefineSaveImageXml"] = "virDomainSaveImageDefineXML",
        ["ManagedSaveDomain"] = "virDomainManagedSave",
        ["RemoveManagedSave"] = "virDomainManagedSaveRemove",
        ["DefineManagedSaveXml"] = "virDomainManagedSaveDefineXML",
        ["CloneDomain"] = "virDomainDefineXML",
        ["CancelJob"] = "virDomainAbortJob",
        ["MigrateDomain"] = "virDomainMigrateToURI3",
        ["SetMigrationMaxDowntime"] = "virDomainMigrateSetMaxDowntime",
        ["SetMigrationMaxSpeed"] = "virDomainMigrateSetMaxSpeed",
        ["StartMigrationPostcopy"] = "virDomainMigrateStartPostCopy",
        ["DefineNetwork"] = "virNetworkDefineXML",
        ["CreateNetwork"] = "virNetworkCreateXML",
        ["StartNetwork"] = "virNetworkCreate",
        ["DestroyNetwork"] = "virNetworkDestroy",
        ["UndefineNetwork"] = "virNetworkUndefine",
        ["SetNetworkAutostart"] = "virNetworkSetAutostart",
        ["UpdateNetwork"] = "virNetworkUpdate",
        ["DefinePool"] = "virStoragePoolDefineXML",
        ["CreatePool"] = "virStoragePoolCreateXML",
        ["BuildPool"] = "virStoragePoolBuild",
        ["StartPool"] = "virStoragePoolCreate",
        ["DestroyPool"] = "virStoragePoolDestroy",
        ["DeletePool"] = "virStoragePoolDelete",
        ["UndefinePool"] = "virStoragePoolUndefine",
        ["SetPoolAutostart"] = "virStoragePoolSetAutostart",
        ["RefreshPool"] = "virStoragePoolRefresh",
        ["CreateVolume"] = "virStorageVolCreateXML",
        ["CreateVolumeAs"] = "virStorageVolCreateXML",
        ["CreateVolumeFrom"] = "virStorageVolCreateXMLFrom",
        ["DeleteVolume"] = "virStorageVolDelete",
        ["WipeVolume"] = "virStorageVolWipe",
        ["ResizeVolume"] = "virStorageVolResize",
        ["UploadVolume"] = "virStorageVolUpload",
        ["DownloadVolume"] = "virStorageVolDownload",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The libvirt API virsh would have called, or the method's own name when libvirt has no counterpart.</summary>
    /// <param name="method">The method's short name (<c>DestroyDomain</c>).</param>
    /// <param name="request">The request, for methods whose entry point depends on options.</param>
    public static string For(string method, object? request) => request switch
    {
        DestroyDomainRequest { Graceful: true } => "virDomainDestroyFlags",
        StartDomainRequest r when r.Paused || r.Autodestroy || r.BypassCache || r.ForceBoot || r.ResetNvram => "virDomainCreateWithFlags",
        _ => _byMethod.GetValueOrDefault(method, method),
    };
}
