using System.Globalization;
using Google.Protobuf.Reflection;
using Virt.Protocol.V1;
using Virt.Testing;

namespace Virt.Protocol.Tests;

/// <summary>
/// Freezes the wire contract of virt.v1 (proto/README.md, Compatibility rules): every service, RPC shape and access
/// level, message field number/type/label and enum value recorded in Data/virt.v1.api.lock must still exist. Adding
/// is compatible but must be recorded, so that a later removal is caught.
/// </summary>
public sealed class ApiLockTests
{
    private static readonly FileDescriptor[] _publicFiles =
    [
        CommonReflection.Descriptor, DomainReflection.Descriptor, JobsReflection.Descriptor, MigrationReflection.Descriptor,
        StorageReflection.Descriptor, NetworkReflection.Descriptor, HostReflection.Descriptor, EventsReflection.Descriptor,
    ];

    private static string LockPath => Path.Combine(RepoPaths.Root, "tests", "Virt.Protocol.Tests", "Data", "virt.v1.api.lock");

    [Test]
    public void Nothing_recorded_in_the_api_lock_was_removed_or_changed()
    {
        var current = Describe().ToHashSet(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("VIRT_TEST_REGENERATE") == "1")
        {
            File.WriteAllLines(LockPath, current.Order(StringComparer.Ordinal));
        }
        var locked = File.ReadAllLines(LockPath).Where(l => l.Length > 0).ToArray();

        var broken = locked.Where(l => !current.Contains(l)).ToArray();
        var unrecorded = current.Except(locked, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

        Assert.That(broken, Is.Empty,
            "These parts of virt.v1 were removed or changed, which breaks clients (see proto/README.md). " +
            "If the change is compatible (for example a relaxed access level), regenerate the lock with VIRT_TEST_REGENERATE=1.");
        Assert.That(unrecorded, Is.Empty, "New API elements must be recorded: run the tests once with VIRT_TEST_REGENERATE=1 and commit the lock.");
    }

    [Test]
    public void Every_public_rpc_declares_its_access_level()
    {
        var missing = _publicFiles.SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .Where(m => m.GetOptions()?.HasExtension(CommonExtensions.Access) != true)
            .Select(m => m.FullName)
            .ToArray();

        Assert.That(missing, Is.Empty, "an RPC without (virt.v1.access) would silently count as WRITE");
    }

    private static IEnumerable<string> Describe()
    {
        foreach (var file in _publicFiles)
        {
            foreach (var service in file.Services)
            {
                yield return $"service {service.FullName}";
                foreach (var method in service.Methods)
                {
                    var shape = (method.IsClientStreaming, method.IsServerStreaming) switch
                    {
                        (false, false) => "unary",
                        (false, true) => "server-streaming",
                        (true, false) => "client-streaming",
                        (true, true) => "bidi-streaming",
                    };
                    var access = method.GetOptions()?.GetExtension(CommonExtensions.Access).ToString() ?? "unset";
                    yield return $"rpc {method.FullName}({method.InputType.FullName}) returns ({method.OutputType.FullName}) {shape} access={access}";
                }
            }
            foreach (var message in file.MessageTypes.SelectMany(Flatten))
            {
                foreach (var field in message.Fields.InDeclarationOrder())
                {
                    var type = field.FieldType switch
                    {
                        FieldType.Message or FieldType.Group => field.MessageType.FullName,
                        FieldType.Enum => field.EnumType.FullName,
                        _ => field.FieldType.ToString().ToLowerInvariant(),
                    };
                    var label = field.IsMap ? "map" : field.IsRepeated ? "repeated" : field.HasPresence ? "optional" : "singular";
                    var oneof = field.RealContainingOneof is { } o ? $" oneof={o.Name}" : "";
                    yield return string.Create(CultureInfo.InvariantCulture, $"field {message.FullName}.{field.Name} = {field.FieldNumber} {label} {type}{oneof}");
                }
                foreach (var enumType in message.EnumTypes)
                {
                    foreach (var line in DescribeEnum(enumType))
                    {
                        yield return line;
                    }
                }
            }
            foreach (var enumType in file.EnumTypes)
            {
                foreach (var line in DescribeEnum(enumType))
                {
                    yield return line;
                }
            }
        }
    }

    private static IEnumerable<MessageDescriptor> Flatten(MessageDescriptor message) =>
        new[] { message }.Concat(message.NestedTypes.Where(n => !n.GetOptions()?.MapEntry ?? true).SelectMany(Flatten));

    private static IEnumerable<string> DescribeEnum(EnumDescriptor enumType) =>
        enumType.Values.Select(v => string.Create(CultureInfo.InvariantCulture, $"enum {enumType.FullName}.{v.Name} = {v.Number}"));
}
