namespace Virt.Cli.Runtime;

/// <summary>virFileReadAll as virsh uses it for <c>define FILE</c> and <c>create FILE</c>, with its error words.</summary>
internal static class XmlFiles
{
    /// <summary>virsh's VSH_MAX_XML_FILE: 10 MiB.</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <remarks>
    /// Read synchronously on the caller's thread: a definition is a few KiB of local file, and an asynchronous read
    /// hops through the thread pool twice, a sixth of vsh's CPU per <c>define</c> in a 1,000-define shell
    /// (tools/bench/README.md).
    /// </remarks>
    /// <exception cref="VshError">The file cannot be read, worded as libvirt words it.</exception>
    public static Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(path));
    }

    /// <summary>The file's text, read synchronously (see <see cref="ReadAsync"/>).</summary>
    /// <exception cref="VshError">The file cannot be read, worded as libvirt words it.</exception>
    public static string Read(string path)
    {
        if (Directory.Exists(path))
        {
            throw VshError.Of($"Failed to read file '{path}': Is a directory");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            if (stream.CanSeek && stream.Length > MaxBytes)
            {
                throw VshError.Of($"File '{path}' is too large");
            }

            using var reader = new StreamReader(stream, new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 16384);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw VshError.Of($"Failed to open file '{path}': No such file or directory");
        }
        catch (UnauthorizedAccessException)
        {
            throw VshError.Of($"Failed to open file '{path}': Permission denied");
        }
    }
}
