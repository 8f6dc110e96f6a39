using System.Diagnostics;
using System.Text.Json.Nodes;
using Virt.Qemu.Qmp;

namespace Virt.Qemu.Tests;

/// <summary>
/// <see cref="QmpConnection"/> passing a file with a command (SCM_RIGHTS), against a real QEMU (TCG): what a save
/// does to have QEMU write its stream into the image itself (getfd, then migrate fd:).
/// </summary>
public sealed class QmpFilePassingRealQemuTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Getfd_with_a_file_lets_QEMU_migrate_into_it_and_without_one_is_refused(CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("virt-qmpfd-").FullName;
        var socket = Path.Combine(directory, "qmp.sock");
        var image = Path.Combine(directory, "image");
        var start = new ProcessStartInfo("qemu-system-x86_64") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in (string[])["-S", "-no-user-config", "-nodefaults", "-display", "none", "-machine", "q35,accel=tcg", "-m", "64",
            "-qmp", $"unix:{socket},server=on,wait=off"])
        {
            start.ArgumentList.Add(arg);
        }
        using var qemu = Process.Start(start)!;
        try
        {
            await using var connection = await QmpConnection.ConnectWhenReadyAsync(socket, TimeSpan.FromSeconds(10), () => qemu.HasExited, ct);
            var refused = Assert.ThrowsAsync<QmpException>(() => connection.ExecuteAsync("getfd", new JsonObject { ["fdname"] = "image" }, ct));
            Assert.That(refused!.Message, Does.Contain("SCM_RIGHTS"), "without a file QEMU refuses getfd (what an older worker's save falls back on)");

            using (var file = File.OpenHandle(image, FileMode.CreateNew, FileAccess.Write))
            {
                await connection.ExecuteAsync("getfd", new JsonObject { ["fdname"] = "image" }, file, ct);
            }
            await connection.ExecuteAsync("migrate", new JsonObject { ["uri"] = "fd:image" }, ct);
            var watch = Stopwatch.StartNew();
            string? status;
            while ((status = (await connection.ExecuteAsync("query-migrate", null, ct))?["status"]?.GetValue<string>()) != "completed")
            {
                Assert.That(status, Is.Not.EqualTo("failed"));
                Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)));
                await Task.Delay(20, ct);
            }

            var head = new byte[4];
            await using (var written = File.OpenRead(image))
            {
                await written.ReadExactlyAsync(head, ct);
            }
            Assert.That(System.Text.Encoding.ASCII.GetString(head), Is.EqualTo("QEVM"), "QEMU wrote its stream into the file passed with getfd");
            Assert.ThrowsAsync<QmpException>(() => connection.ExecuteAsync("closefd", new JsonObject { ["fdname"] = "image" }, ct), "migrate took the descriptor");
        }
        finally
        {
            if (!qemu.HasExited)
            {
                qemu.Kill();
            }
            Directory.Delete(directory, recursive: true);
        }
    }
}
