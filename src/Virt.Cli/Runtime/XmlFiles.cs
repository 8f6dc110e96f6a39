namespace Virt.Cli.Runtime;

/// <summary>virFileReadAll as virsh uses it for <c>define FILE</c> and <c>create FILE</c>, with its error words.</summary>
internal static class XmlFiles
{
    /// <summary>virsh's VSH_MAX_XML_FILE: 10 MiB.</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <exception cref="VshError">The file cannot be read, worded as libvirt words it.</exception>
    public static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw VshError.Of($"Failed to read file '{path}': Is a directory");
        }

        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, useAsync: true);
            if (stream.Length > MaxBytes)
            {
                throw VshError.Of($"File '{path}' is too large");
            }

            using var reader = new StreamReader(stream, new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
            return await reader.ReadToEndAsync(cancellationToken);
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
