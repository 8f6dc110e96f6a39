using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// The one place where errors become gRPC statuses (proto/README.md, Errors): a code fixed per reason, the message as
/// written below the API (libvirt's wording, which vsh prints after <c>error: </c>), and in
/// <c>grpc-status-details-bin</c> a <c>google.rpc.Status</c> whose details hold one <c>ErrorInfo</c> (reason name,
/// domain <c>virt.v1</c>, metadata), then a <c>BadRequest</c> when a request field is to blame and a
/// <c>ResourceInfo</c> for missing or clashing objects.
/// </summary>
public static class ApiErrors
{
    /// <summary>ErrorInfo.domain for every error this API sends.</summary>
    public const string ErrorDomain = "virt.v1";

    /// <summary>The trailer carrying the rich status.</summary>
    public const string StatusDetailsTrailer = "grpc-status-details-bin";

    private const string ReasonPrefix = "ERROR_REASON_";

    private static readonly Google.Protobuf.Reflection.EnumDescriptor _reasons =
        CommonReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("ErrorReason");

    // Each reason's code as documented on virt.v1.ErrorReason; a reason missing here is a bug caught by ApiErrorsTests.
    private static readonly FrozenDictionary<VirtErrorReason, StatusCode> _codes = new Dictionary<VirtErrorReason, StatusCode>
    {
        [VirtErrorReason.InvalidArgument] = StatusCode.InvalidArgument,
        [VirtErrorReason.UnknownField] = StatusCode.InvalidArgument,
        [VirtErrorReason.InvalidXml] = StatusCode.InvalidArgument,
        [VirtErrorReason.XmlUnsupported] = StatusCode.InvalidArgument,
        [VirtErrorReason.ImageInvalid] = StatusCode.InvalidArgument,
        [VirtErrorReason.OperationInvalid] = StatusCode.FailedPrecondition,
        [VirtErrorReason.OperationUnsupported] = StatusCode.Unimplemented,
        [VirtErrorReason.JobBusy] = StatusCode.Aborted,
        [VirtErrorReason.OperationTimeout] = StatusCode.DeadlineExceeded,
        [VirtErrorReason.OperationCancelled] = StatusCode.Cancelled,
        [VirtErrorReason.ConsoleBusy] = StatusCode.FailedPrecondition,
        [VirtErrorReason.ReadOnly] = StatusCode.PermissionDenied,
        [VirtErrorReason.AccessDenied] = StatusCode.PermissionDenied,
        [VirtErrorReason.ResourceLimit] = StatusCode.ResourceExhausted,
        [VirtErrorReason.DomainNotFound] = StatusCode.NotFound,
        [VirtErrorReason.DomainExists] = StatusCode.AlreadyExists,
        [VirtErrorReason.DeviceNotFound] = StatusCode.NotFound,
        [VirtErrorReason.MetadataNotFound] = StatusCode.NotFound,
        [VirtErrorReason.NoSaveImage] = StatusCode.FailedPrecondition,
        [VirtErrorReason.JobNotFound] = StatusCode.NotFound,
        [VirtErrorReason.MigrationPreflight] = StatusCode.FailedPrecondition,
        [VirtErrorReason.MigrationFailed] = StatusCode.Aborted,
        [VirtErrorReason.PeerUnreachable] = StatusCode.Unavailable,
        [VirtErrorReason.StoragePoolNotFound] = StatusCode.NotFound,
        [VirtErrorReason.StoragePoolExists] = StatusCode.AlreadyExists,
        [VirtErrorReason.StorageVolumeNotFound] = StatusCode.NotFound,
        [VirtErrorReason.StorageVolumeExists] = StatusCode.AlreadyExists,
        [VirtErrorReason.StorageVolumeInUse] = StatusCode.FailedPrecondition,
        [VirtErrorReason.StorageNoSpace] = StatusCode.ResourceExhausted,
        [VirtErrorReason.StoragePathNotConfined] = StatusCode.InvalidArgument,
        [VirtErrorReason.StorageBackendFailed] = StatusCode.Internal,
        [VirtErrorReason.NetworkNotFound] = StatusCode.NotFound,
        [VirtErrorReason.NetworkExists] = StatusCode.AlreadyExists,
        [VirtErrorReason.NetworkInUse] = StatusCode.FailedPrecondition,
        [VirtErrorReason.NetworkAddressConflict] = StatusCode.FailedPrecondition,
        [VirtErrorReason.NetworkBackendFailed] = StatusCode.Internal,
        [VirtErrorReason.HypervisorError] = StatusCode.Internal,
        [VirtErrorReason.VmmUnreachable] = StatusCode.Unavailable,
        [VirtErrorReason.AgentUnresponsive] = StatusCode.Unavailable,
        [VirtErrorReason.DaemonStopping] = StatusCode.Unavailable,
        [VirtErrorReason.Internal] = StatusCode.Internal,
    }.ToFrozenDictionary();

    /// <summary>The gRPC code a reason always travels with.</summary>
    public static StatusCode CodeFor(VirtErrorReason reason) => _codes.GetValueOrDefault(reason, StatusCode.Unknown);

    /// <summary>The wire name of a reason, e.g. <c>DOMAIN_NOT_FOUND</c> (virt.v1.ErrorReason's value name without its prefix).</summary>
    public static string ReasonName(VirtErrorReason reason)
    {
        var value = _reasons.FindValueByNumber((int)reason);
        return value is null ? reason.ToString() : value.Name[ReasonPrefix.Length..];
    }

    /// <summary>The reason a wire name stands for (<c>DOMAIN_NOT_FOUND</c>), or <see cref="ErrorReason.Unspecified"/> for a name this build does not know.</summary>
    public static ErrorReason ParseReason(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _reasons.FindValueByName(ReasonPrefix + name) is { } value ? (ErrorReason)value.Number : ErrorReason.Unspecified;
    }

    /// <summary>The RpcException that carries <paramref name="error"/> to the client.</summary>
    public static RpcException ToRpcException(VirtException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var details = ToStatus(error);
        var trailers = new Metadata { { StatusDetailsTrailer, details.ToByteArray() } };
        return new RpcException(new Grpc.Core.Status(CodeFor(error.Reason), error.Message), trailers, error.Message);
    }

    /// <summary>
    /// The rich status of an error: the same <c>google.rpc.Status</c> a failed call carries, for a job that failed in
    /// the background (Job.error).
    /// </summary>
    public static Google.Rpc.Status ToStatus(VirtException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var code = CodeFor(error.Reason);
        var message = error.Message;
        var info = new ErrorInfo { Reason = ReasonName(error.Reason), Domain = ErrorDomain };
        foreach (var (key, value) in error.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            info.Metadata[key] = value;
        }
        var details = new Google.Rpc.Status { Code = (int)code, Message = message };
        details.Details.Add(Any.Pack(info));
        if (code == StatusCode.InvalidArgument && error.Metadata.TryGetValue("field", out var field))
        {
            details.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } } }));
        }
        if (ResourceOf(error) is { } resource)
        {
            details.Details.Add(Any.Pack(resource));
        }
        return details;
    }

    /// <summary>A request field is missing or malformed: INVALID_ARGUMENT naming it.</summary>
    public static VirtException InvalidArgument(string field, string message) =>
        new(VirtErrorReason.InvalidArgument, message, new Dictionary<string, string> { ["field"] = field });

    /// <summary>
    /// PERMISSION_DENIED / READ_ONLY for a method called on a read-only connection, in libvirt's words for
    /// VIR_ERR_OPERATION_DENIED ("operation forbidden: read only access prevents virDomainDefineXML").
    /// </summary>
    public static VirtException ReadOnly(string method) =>
        new(VirtErrorReason.ReadOnly, $"operation forbidden: read only access prevents {method}",
            new Dictionary<string, string> { ["method"] = method });

    /// <summary>PERMISSION_DENIED / READ_ONLY for GetDomainXml's security_info on a read-only connection, as libvirt words it.</summary>
    public static VirtException SecurityInfoReadOnly() =>
        new(VirtErrorReason.ReadOnly, "operation forbidden: virDomainGetXMLDesc with secure flag",
            new Dictionary<string, string> { ["field"] = "security_info" });

    /// <summary>An option this server cannot honour: UNIMPLEMENTED / OPERATION_UNSUPPORTED naming the field.</summary>
    public static VirtException Unsupported(string field, string message) =>
        new(VirtErrorReason.OperationUnsupported, message, new Dictionary<string, string> { ["field"] = field });

    private static ResourceInfo? ResourceOf(VirtException error)
    {
        var (type, key) = error.Reason switch
        {
            VirtErrorReason.DomainNotFound or VirtErrorReason.DomainExists => ("domain", "domain"),
            VirtErrorReason.NetworkNotFound or VirtErrorReason.NetworkExists => ("network", "network"),
            VirtErrorReason.StoragePoolNotFound or VirtErrorReason.StoragePoolExists => ("storage-pool", "pool"),
            VirtErrorReason.StorageVolumeNotFound or VirtErrorReason.StorageVolumeExists => ("storage-volume", "volume"),
            VirtErrorReason.JobNotFound => ("job", "job"),
            VirtErrorReason.DeviceNotFound => ("device", "device"),
            VirtErrorReason.MetadataNotFound => ("metadata", "uri"),
            _ => ((string?)null, ""),
        };
        return type is null ? null : new ResourceInfo
        {
            ResourceType = type,
            ResourceName = error.Metadata.GetValueOrDefault(key) ?? error.Metadata.GetValueOrDefault("domain") ?? "",
            Description = error.Message,
        };
    }
}
