using System.Globalization;
using System.Text;

namespace Virt.Vmm.Protocol;

/// <summary>
/// The run state a worker records for its guest (<c>RUN/qemu/UUID.state</c>): <c>key=value</c> lines, readable by an
/// operator with <c>cat</c>, replaced atomically (a spare file rewritten, then swapped with it; not flushed to disk, see Write), so a reader sees the old or the new one.
/// It is what virtd falls back on when the worker is gone: the last state and reason, who ran QEMU, and how it ended.
/// </summary>
public static class WorkerStateFile
{
    /// <summary>Writes <paramref name="status"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, WorkerStatus status)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(status);
        var text = new StringBuilder();
        void Line(string key, string value) => text.Append(key).Append('=').Append(value).Append('\n');
        Line("domain_uuid", status.DomainUuid);
        Line("domain_id", Number(status.DomainId));
        Line("worker_pid", Number(status.WorkerPid));
        Line("qemu_pid", Number(status.QemuPid));
        Line("state", Number(status.State));
        Line("reason", Number(status.Reason));
        Line("start_time_ms", status.StartTimeMs.ToString(CultureInfo.InvariantCulture));
        Line("sequence", status.Sequence.ToString(CultureInfo.InvariantCulture));
        Line("console_alias", status.ConsoleAlias);
        if (status.HasQemuExit)
        {
            Line("qemu_exit", Number(status.QemuExit));
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var spare = SparePath(path);
        // Rewritten in place, without O_TRUNC: ext4 flushes a file truncated to zero when it is closed, and a new file
        // renamed over an existing one at the rename (auto_da_alloc); either flush is kernel work that no other thread
        // can preempt on these machines (PREEMPT_NONE), 0.2-0.26 ms a write against 0.05-0.06 ms this way
        // (tools/bench/README.md). No flush to disk either: the file must outlive the worker or virtd, not the machine
        // (after a reboot no guest runs, and a torn file reads as a worker that is gone).
        using (var file = new FileStream(spare, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(bytes);
            file.SetLength(bytes.Length);
        }
        // Swapped with the live file (the spare then holds the previous state, to be rewritten next time); renamed
        // over it only when there is none yet or the file system cannot swap.
        if (!RenameFiles.TryExchange(spare, path))
        {
            File.Move(spare, path, overwrite: true);
        }
    }

    /// <summary>Removes the state file, its spare and the destroy mark; the live file last, so that a reader that waits for it to go finds the others gone.</summary>
    public static void Delete(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.Delete(SparePath(path));
        DestroyMark.Clear(path);
        File.Delete(path);
    }

    private static string SparePath(string path) => path + ".tmp";

    /// <summary>Reads a state file; null when it does not exist. Unknown keys are ignored (a newer worker wrote it).</summary>
    /// <exception cref="InvalidDataException">A line is not <c>key=value</c> or a number does not parse.</exception>
    public static WorkerStatus? Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var status = new WorkerStatus();
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidDataException($"{path}: '{line}' is not key=value.");
            }
            var key = line[..equals];
            var value = line[(equals + 1)..];
            try
            {
                switch (key)
                {
                    case "domain_uuid": status.DomainUuid = value; break;
                    case "domain_id": status.DomainId = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "worker_pid": status.WorkerPid = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "qemu_pid": status.QemuPid = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "state": status.State = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "reason": status.Reason = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "start_time_ms": status.StartTimeMs = long.Parse(value, CultureInfo.InvariantCulture); break;
                    case "sequence": status.Sequence = ulong.Parse(value, CultureInfo.InvariantCulture); break;
                    case "console_alias": status.ConsoleAlias = value; break;
                    case "qemu_exit": status.QemuExit = int.Parse(value, CultureInfo.InvariantCulture); break;
                    default: break;
                }
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{path}: '{line}' does not hold a number.", e);
            }
            catch (OverflowException e)
            {
                throw new InvalidDataException($"{path}: '{line}' holds a number out of range.", e);
            }
        }
        return status;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
