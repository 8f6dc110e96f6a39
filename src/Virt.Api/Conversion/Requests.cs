using System.Globalization;
using System.Text;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>Request checks shared by the services: references, XML size, options. Each failure names the field.</summary>
internal static class Requests
{
    /// <summary>
    /// The largest XML document accepted in a request, in UTF-8 bytes: the definition parser's own limit, checked here so
    /// an oversized document is refused as INVALID_XML before anything parses it.
    /// </summary>
    public const int MaxXmlBytes = Virt.Domain.Xml.DefinitionParseOptions.DefaultMaxDocumentBytes;

    public static Virt.Driver.DomainRef Domain(Virt.Protocol.V1.DomainRef? reference, string field = "domain")
    {
        if (reference is null)
        {
            throw ApiErrors.InvalidArgument(field, $"The request names no domain: set {field}.name, {field}.uuid or {field}.id.");
        }
        switch (reference.RefCase)
        {
            case Virt.Protocol.V1.DomainRef.RefOneofCase.Name:
                return reference.Name.Length > 0
                    ? Virt.Driver.DomainRef.ByName(reference.Name)
                    : throw ApiErrors.InvalidArgument(field + ".name", "The domain name is empty; give the name of a domain.");
            case Virt.Protocol.V1.DomainRef.RefOneofCase.Uuid:
                return Virt.Driver.DomainRef.ByUuid(Uuid(reference.Uuid, field + ".uuid"));
            case Virt.Protocol.V1.DomainRef.RefOneofCase.Id:
                return reference.Id > 0
                    ? Virt.Driver.DomainRef.ById(reference.Id)
                    : throw ApiErrors.InvalidArgument(field + ".id", $"Domain id {reference.Id.ToString(CultureInfo.InvariantCulture)} is not valid: ids of active domains are positive.");
            default:
                throw ApiErrors.InvalidArgument(field, $"The request names no domain: set {field}.name, {field}.uuid or {field}.id.");
        }
    }

    /// <summary>A UUID in canonical form or as 32 hex digits (libvirt accepts both).</summary>
    public static Guid Uuid(string text, string field) =>
        Guid.TryParseExact(text, "D", out var uuid) || Guid.TryParseExact(text, "N", out uuid)
            ? uuid
            : throw ApiErrors.InvalidArgument(field, $"'{text}' is not a UUID; write it as 8-4-4-4-12 hexadecimal digits.");

    /// <summary>A network or pool reference as the drivers take it: the name, or the UUID in canonical text.</summary>
    public static string NameOrUuid(string kind, string field, bool hasName, string name, bool hasUuid, string uuid)
    {
        if (hasName)
        {
            return name.Length > 0 ? name : throw ApiErrors.InvalidArgument(field + ".name", $"The {kind} name is empty; give the name of a {kind}.");
        }
        if (hasUuid)
        {
            return Uuid(uuid, field + ".uuid").ToString("D");
        }
        throw ApiErrors.InvalidArgument(field, $"The request names no {kind}: set {field}.name or {field}.uuid.");
    }

    public static string Network(NetworkRef? reference) =>
        reference is null
            ? throw ApiErrors.InvalidArgument("network", "The request names no network: set network.name or network.uuid.")
            : NameOrUuid("network", "network", reference.RefCase == NetworkRef.RefOneofCase.Name, reference.Name, reference.RefCase == NetworkRef.RefOneofCase.Uuid, reference.Uuid);

    public static string Pool(PoolRef? reference, string field = "pool") =>
        reference is null
            ? throw ApiErrors.InvalidArgument(field, $"The request names no storage pool: set {field}.name or {field}.uuid.")
            : NameOrUuid("storage pool", field, reference.RefCase == PoolRef.RefOneofCase.Name, reference.Name, reference.RefCase == PoolRef.RefOneofCase.Uuid, reference.Uuid);

    /// <summary>A volume reference as the drivers take it: pool and name, key, or absolute path.</summary>
    public static VolumeLocator Volume(VolumeRef? reference, string field = "volume")
    {
        switch (reference?.RefCase)
        {
            case VolumeRef.RefOneofCase.PoolVolume:
                var pool = Pool(reference.PoolVolume.Pool, field + ".pool_volume.pool");
                return reference.PoolVolume.Name.Length > 0
                    ? VolumeLocator.InPool(pool, reference.PoolVolume.Name)
                    : throw InvalidArgument(field + ".pool_volume.name", "The volume name is empty; give the name of a volume in the pool.");
            case VolumeRef.RefOneofCase.Key:
                return reference.Key.Length > 0 ? VolumeLocator.ByKey(reference.Key) : throw InvalidArgument(field + ".key", "The volume key is empty.");
            case VolumeRef.RefOneofCase.Path:
                return reference.Path.Length > 0 && reference.Path[0] == '/'
                    ? VolumeLocator.ByPath(reference.Path)
                    : throw InvalidArgument(field + ".path", $"'{reference.Path}' is not an absolute path; a volume path starts with '/'.");
            default:
                throw InvalidArgument(field, $"The request names no volume: set {field}.pool_volume, {field}.key or {field}.path.");
        }
    }

    private static VirtException InvalidArgument(string field, string message) => ApiErrors.InvalidArgument(field, message);

    /// <summary>A non-empty XML document within <see cref="MaxXmlBytes"/>.</summary>
    public static string Xml(string xml, string field = "xml")
    {
        if (string.IsNullOrWhiteSpace(xml))
        {
            throw ApiErrors.InvalidArgument(field, $"The request carries no XML document in {field}.");
        }
        // Cheap bound first: a string of n chars has at least n UTF-8 bytes.
        if (xml.Length > MaxXmlBytes || Encoding.UTF8.GetByteCount(xml) > MaxXmlBytes)
        {
            var size = Encoding.UTF8.GetByteCount(xml);
            throw new VirtException(VirtErrorReason.InvalidXml,
                $"The XML document in {field} is {size.ToString(CultureInfo.InvariantCulture)} bytes; at most {MaxXmlBytes.ToString(CultureInfo.InvariantCulture)} are accepted.",
                new Dictionary<string, string>
                {
                    ["field"] = field,
                    ["limit"] = MaxXmlBytes.ToString(CultureInfo.InvariantCulture),
                    ["requested"] = size.ToString(CultureInfo.InvariantCulture),
                });
        }
        return xml;
    }

    /// <summary>libvirt's modification impact from <c>live</c>/<c>config</c> (neither: current).</summary>
    public static DomainModification Modification(bool live, bool config) =>
        (live ? DomainModification.Live : DomainModification.Current) | (config ? DomainModification.Config : DomainModification.Current);

    /// <summary>Refuses a set option this server cannot honour.</summary>
    public static void Unsupported(bool set, string field, string what)
    {
        if (set)
        {
            throw ApiErrors.Unsupported(field, $"this function is not supported by the connection driver: {what}");
        }
    }
}
