using System.Text;

namespace Virt.Store;

/// <summary>
/// One directory of named documents (<c>NAME.xml</c>), each replaced atomically: written to a temporary file in the
/// same directory, fsync'ed, renamed over the old one, and the directory fsync'ed. A save that returned is durable;
/// a process killed at any instant leaves each document either old or new, never torn. Leftover temporary files
/// from a killed save are ignored and removed on load.
/// </summary>
public sealed class DefinitionStore
{
    private const string TempMarker = ".tmp-";
    private readonly string _directory;
    private readonly string _extension;

    /// <param name="directory">Created (mode 0700) when missing.</param>
    /// <param name="extension">The documents' file extension, e.g. <c>.xml</c>.</param>
    public DefinitionStore(string directory, string extension = ".xml")
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        _extension = extension;
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The directory holding the documents.</summary>
    public string DirectoryPath => _directory;

    /// <summary>Saves a document durably; when this returns, a crash cannot lose it.</summary>
    public async Task SaveAsync(string name, string content, CancellationToken cancellationToken)
    {
        var target = PathFor(name);
        var temp = target + TempMarker + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        NativeMethods.FsyncDirectory(_directory);
    }

    /// <summary>
    /// <see cref="SaveAsync"/> for small documents that must be written under a lock, where awaiting is not possible
    /// (the event log's sequence reservation).
    /// </summary>
    public void Save(string name, string content)
    {
        var target = PathFor(name);
        var temp = target + TempMarker + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        NativeMethods.FsyncDirectory(_directory);
    }

    /// <summary>Removes a document durably; removing a missing one is not an error.</summary>
    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var target = PathFor(name);
        if (File.Exists(target))
        {
            File.Delete(target);
            NativeMethods.FsyncDirectory(_directory);
        }
        return Task.CompletedTask;
    }

    /// <summary>Reads one document, or null when there is none.</summary>
    public async Task<string?> TryLoadAsync(string name, CancellationToken cancellationToken)
    {
        var target = PathFor(name);
        return File.Exists(target) ? await File.ReadAllTextAsync(target, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Every document, by name, after removing temporary files that a killed save left behind.</summary>
    public async Task<IReadOnlyList<(string Name, string Content)>> LoadAllAsync(CancellationToken cancellationToken)
    {
        var documents = new List<(string, string)>();
        foreach (var file in Directory.EnumerateFiles(_directory).Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            if (fileName.Contains(TempMarker, StringComparison.Ordinal))
            {
                File.Delete(file);
                continue;
            }
            if (fileName.EndsWith(_extension, StringComparison.Ordinal))
            {
                documents.Add((fileName[..^_extension.Length], await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)));
            }
        }
        return documents;
    }

    /// <summary>The file of a document; the name must be a plain file name, so it cannot escape the directory.</summary>
    private string PathFor(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || name.StartsWith('.') || name.Contains(TempMarker, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' cannot be stored: a name may not contain '/', NUL or '{TempMarker}', nor start with '.'.", nameof(name));
        }
        return Path.Combine(_directory, name + _extension);
    }
}
