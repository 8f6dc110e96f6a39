using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Virt.Cli.Runtime;

/// <summary>
/// virsh's editor helpers (vshEditWriteToTempFile, vshEditFile, vshEditReadBackFile in tools/vsh.c): a private temp
/// file under <c>$TMPDIR</c> (or /tmp), the editor from <c>$VISUAL</c>, then <c>$EDITOR</c>, then <c>vi</c>, run
/// directly when its name is plain and through <c>sh -c</c> when it carries options or shell syntax.
/// </summary>
internal static class Editor
{
    // vsh.c's ACCEPTED_CHARS: an editor made of these alone is run without a shell.
    private const string PlainChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@/";

    /// <summary>Writes <paramref name="text"/> to a new <c>vshXXXXXX.xml</c> readable by the owner only.</summary>
    public static string WriteTempFile(string text)
    {
        var directory = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
        for (var attempt = 0; ; attempt++)
        {
            var path = Path.Combine(directory, "vsh" + RandomSuffix() + ".xml");
            try
            {
                using var stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                var bytes = new UTF8Encoding(false).GetBytes(text);
                stream.Write(bytes);
                return path;
            }
            catch (IOException) when (File.Exists(path) && attempt < 100)
            {
                // A name clash with another file: pick another name, as mkstemps does.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw VshError.Of($"Failed to create temporary file: {e.Message}");
            }
        }
    }

    /// <summary>Runs the editor on <paramref name="path"/> with the terminal handed over, and waits for it.</summary>
    /// <exception cref="VshError">The editor could not run or exited non-zero, in libvirt's words.</exception>
    public static async Task RunAsync(string path, CancellationToken cancellationToken)
    {
        var editor = Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } visual ? visual
            : Environment.GetEnvironmentVariable("EDITOR") is { Length: > 0 } configured ? configured
            : "vi";
        string[] argv;
        if (editor.All(PlainChars.Contains))
        {
            argv = [editor, path];
        }
        else
        {
            if (!path.All(PlainChars.Contains))
            {
                throw VshError.Of($"{path}: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)");
            }

            argv = ["sh", "-c", $"{editor} {path}"];
        }

        var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        var commandText = string.Join(' ', argv.Select(Quote));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw VshError.Of($"Cannot run {commandText}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw VshError.Of($"Cannot find '{argv[0]}' in path: {e.Message}");
        }

        using (process)
        {
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                // .NET reports death by signal as 128 + signal, as the shell does.
                throw VshError.Of(process.ExitCode > 128
                    ? string.Create(CultureInfo.InvariantCulture, $"internal error: Child process ({commandText}) unexpected fatal signal {process.ExitCode - 128}")
                    : string.Create(CultureInfo.InvariantCulture, $"internal error: Child process ({commandText}) unexpected exit status {process.ExitCode}"));
            }
        }
    }

    /// <summary>Reads the edited file back (at most virsh's 10 MiB).</summary>
    public static Task<string> ReadBackAsync(string path, CancellationToken cancellationToken) => XmlFiles.ReadAsync(path, cancellationToken);

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The file is ours in a temp directory; a leftover is harmless and must not turn success into failure.
        }
    }

    private static string RandomSuffix()
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        Span<char> chars = stackalloc char[6];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    // virCommandToString's quoting: plain words as they are, anything else in single quotes.
    private static string Quote(string word) =>
        word.Length > 0 && word.All(PlainChars.Contains) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
