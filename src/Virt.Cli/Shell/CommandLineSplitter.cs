using System.Text;
using Virt.Cli.Runtime;

namespace Virt.Cli.Shell;

/// <summary>
/// virsh's command-string grammar (vshCommandStringGetArg, tools/vsh.c), used for the one-argument form
/// (<c>vsh "define f.xml; start x"</c>) and for each line of the interactive shell: words split at blanks,
/// <c>;</c> ends a command, <c>'…'</c> quotes literally, <c>"…"</c> quotes with <c>\</c> escapes, <c>\</c> escapes
/// outside quotes, and a word starting with <c>#</c> comments out the rest of the line.
/// </summary>
internal static class CommandLineSplitter
{
    /// <summary>The commands in <paramref name="line"/>, each as its words (empty commands are dropped).</summary>
    /// <exception cref="VshError">An unfinished escape or double quote (virsh's "dangling \" and "missing \"").</exception>
    public static IReadOnlyList<IReadOnlyList<string>> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var commands = new List<IReadOnlyList<string>>();
        var words = new List<string>();
        var p = 0;
        while (true)
        {
            while (p < line.Length && line[p] is ' ' or '\t' or '\n' or '\r')
            {
                p++;
            }

            if (p >= line.Length || line[p] == '#')
            {
                break;
            }

            if (line[p] == ';')
            {
                p++;
                EndCommand(commands, ref words);
                continue;
            }

            words.Add(ReadWord(line, ref p));
        }

        EndCommand(commands, ref words);
        return commands;
    }

    private static string ReadWord(string line, ref int p)
    {
        var word = new StringBuilder();
        var single = false;
        var dbl = false;
        while (p < line.Length)
        {
            var c = line[p];
            if (!single && !dbl && c is ' ' or '\t' or '\n' or '\r' or ';')
            {
                break;
            }

            if (!dbl && c == '\'')
            {
                single = !single;
                p++;
                continue;
            }

            if (!single && c == '\\')
            {
                // As in bash: \ escapes outside quotes and inside "", but not inside ''.
                p++;
                if (p >= line.Length)
                {
                    throw VshError.Syntax("dangling \\");
                }
            }
            else if (!single && c == '"')
            {
                dbl = !dbl;
                p++;
                continue;
            }

            word.Append(line[p]);
            p++;
        }

        // virsh refuses an open double quote but lets an open single quote run to the end of the line.
        return dbl ? throw VshError.Syntax("missing \"") : word.ToString();
    }

    private static void EndCommand(List<IReadOnlyList<string>> commands, ref List<string> words)
    {
        if (words.Count > 0)
        {
            commands.Add(words);
            words = [];
        }
    }
}
