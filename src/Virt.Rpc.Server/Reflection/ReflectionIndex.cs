using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Virt.Rpc.Server.Reflection;

/// <summary>
/// What grpc.reflection answers, independent of its v1/v1alpha message types: service names, and serialized
/// FileDescriptorProtos by file name or by the symbol they define, with their transitive dependencies.
/// </summary>
internal sealed class ReflectionIndex
{
    private readonly Dictionary<string, FileDescriptor> _filesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _filesBySymbol = new(StringComparer.Ordinal);
    private readonly List<string> _services = [];

    public ReflectionIndex(IEnumerable<FileDescriptor> files)
    {
        foreach (var file in files)
        {
            AddWithDependencies(file);
            foreach (var service in file.Services)
            {
                if (!_services.Contains(service.FullName))
                {
                    _services.Add(service.FullName);
                }
            }
        }
    }

    public IReadOnlyList<string> ServiceNames => _services;

    /// <summary>The file and its dependencies, each once, the requested file first; null when unknown.</summary>
    public IReadOnlyList<ByteString>? FileByName(string name) =>
        _filesByName.TryGetValue(name, out var file) ? WithDependencies(file) : null;

    /// <summary>The file defining a fully qualified symbol (service, method, message, field, enum), with dependencies.</summary>
    public IReadOnlyList<ByteString>? FileContainingSymbol(string symbol)
    {
        var name = symbol.TrimStart('.');
        while (name.Length > 0)
        {
            if (_filesBySymbol.TryGetValue(name, out var file))
            {
                return WithDependencies(file);
            }
            // "pkg.Service.Method" and "pkg.Message.field" resolve through their parent.
            var dot = name.LastIndexOf('.');
            name = dot < 0 ? "" : name[..dot];
        }
        return null;
    }

    private void AddWithDependencies(FileDescriptor file)
    {
        if (!_filesByName.TryAdd(file.Name, file))
        {
            return;
        }
        foreach (var service in file.Services)
        {
            _filesBySymbol[service.FullName] = file;
        }
        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }
        foreach (var enumType in file.EnumTypes)
        {
            _filesBySymbol[enumType.FullName] = file;
        }
        foreach (var dependency in file.Dependencies)
        {
            AddWithDependencies(dependency);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        _filesBySymbol[message.FullName] = file;
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }
        foreach (var enumType in message.EnumTypes)
        {
            _filesBySymbol[enumType.FullName] = file;
        }
    }

    private static ByteString[] WithDependencies(FileDescriptor root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<ByteString>();
        var pending = new Queue<FileDescriptor>([root]);
        while (pending.TryDequeue(out var file))
        {
            if (!seen.Add(file.Name))
            {
                continue;
            }
            result.Add(file.SerializedData);
            foreach (var dependency in file.Dependencies)
            {
                pending.Enqueue(dependency);
            }
        }
        return [.. result];
    }
}
