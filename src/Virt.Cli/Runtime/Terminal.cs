using System.Text;
using Virt.Cli.Output;

namespace Virt.Cli.Runtime;

/// <summary>
/// stdin, stdout and stderr as virsh uses them: UTF-8 without a BOM, <c>\n</c> line ends, stdout flushed before
/// anything goes to stderr (vshError does the same, so <c>2&gt;&amp;1</c> interleaves in order).
/// </summary>
internal sealed class Terminal(TextReader input, TextWriter output, TextWriter error, bool inputIsTerminal)
{
    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Err { get; } = error;

    /// <summary>stdin is a terminal (virsh's isatty(STDIN_FILENO)): decides prompting and echo.</summary>
    public bool InputIsTerminal { get; } = inputIsTerminal;

    /// <summary>The process's own streams.</summary>
    public static Terminal FromConsole()
    {
        // Plain read(2)/write(2) on fds 0-2 (FdStream says why not FileStream or System.Console). stdout's buffer is
        // 4,096 characters, as large as stdio's: a 16,384-character one was 80 KB of char and byte buffers to zero at
        // every start (8 of a one-shot listing's page faults), for fewer write(2)s only on outputs over 4 KiB.
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        var output = new StreamWriter(new FdStream(1, writable: true), utf8, 4096) { AutoFlush = false, NewLine = "\n" };
        var error = new StreamWriter(new FdStream(2, writable: true), utf8, 1024) { AutoFlush = false, NewLine = "\n" };
        var input = new StreamReader(new FdStream(0, writable: false), utf8, detectEncodingFromByteOrderMarks: false);
        return new Terminal(input, output, error, !Console.IsInputRedirected);
    }

    /// <summary>The <c>-l</c> log file, which gets every error line too (vshError), or null.</summary>
    public VshLog? Log { get; set; }

    /// <summary>Writes <c>error: MESSAGE</c> lines.</summary>
    public void Error(IEnumerable<string> messages)
    {
        string[] lines = [.. messages];
        Out.Flush();
        Err.Write(VirshErrors.Format(lines));
        Err.Flush();
        foreach (var line in lines)
        {
            Log?.Write(VshLog.Error, line);
        }
    }

    public void Error(string message) => Error([message]);
}
