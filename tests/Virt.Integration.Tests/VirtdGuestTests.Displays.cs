using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// Graphical displays through a real virtd and QEMU: automatic ports from 5900 recorded in the live definition (and
/// kept across a virtd restart), VNC passwords set in QEMU and checked by a real RFB handshake, dumpxml leaving them
/// out without --security-info, and vncdisplay and domdisplay pointing at what QEMU listens on.
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Automatic_display_ports_are_allocated_recorded_live_and_kept_across_a_restart_and_a_vnc_password_is_enforced(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("vg-display-").FullName;
        try
        {
            const string Displays = "<graphics type='vnc' autoport='yes' passwd='s3cret'/><graphics type='spice' autoport='yes'/><video><model type='vga'/></video>";
            int vncPort, spicePort;
            await using (var first = await VirtdProcess.StartAsync(state))
            {
                await VshRun.OkAsync(first, "define", await VshRun.GuestXmlFileAsync(state, "shown", Displays));
                await VshRun.OkAsync(first, "define", await VshRun.GuestXmlFileAsync(state, "other", "<graphics type='vnc' autoport='yes'/>"));
                var (code, _, errors) = await VshRun.RunAsync(first, "vncdisplay", "shown");
                Assert.That((code, errors), Is.EqualTo((1, "error: Domain is not running\n")));
                await VshRun.OkAsync(first, "start", "shown");
                await VshRun.OkAsync(first, "start", "other");

                // The live definition carries the ports QEMU listens on, and never the password unless asked for.
                var live = await VshRun.OkAsync(first, "dumpxml", "shown");
                vncPort = Port(live, "vnc");
                spicePort = Port(live, "spice");
                var otherPort = Port(await VshRun.OkAsync(first, "dumpxml", "other"), "vnc");
                Assert.That(new[] { vncPort, spicePort, otherPort }, Is.Unique.And.All.InRange(5900, 65535), live);
                Assert.That(live, Does.Not.Contain("passwd"));
                Assert.That(await VshRun.OkAsync(first, "dumpxml", "shown", "--security-info"), Does.Contain("passwd='s3cret'"));
                Assert.That(await VshRun.OkAsync(first, "dumpxml", "shown", "--inactive"), Does.Contain("<graphics type='vnc' port='-1' autoport='yes'"));

                var display = vncPort - 5900;
                Assert.That(await VshRun.OkAsync(first, "vncdisplay", "shown"), Is.EqualTo($"127.0.0.1:{display}\n\n"));
                Assert.That(await VshRun.OkAsync(first, "domdisplay", "shown", "--all", "--include-password"),
                    Is.EqualTo($"vnc://:s3cret@127.0.0.1:{display}\nspice://127.0.0.1:{spicePort}\n\n"));

                // QEMU asks VNC clients for the password the definition gives (set over QMP at start) and refuses others.
                Assert.That(await VncAuthenticateAsync(vncPort, "s3cret", ct), Is.Zero, "the right password");
                Assert.That(await VncAuthenticateAsync(vncPort, "wrong", ct), Is.EqualTo(1), "a wrong one");
                Assert.That(await VncSecurityTypesAsync(otherPort, ct), Is.EqualTo(new byte[] { 1 }), "no password: no authentication");
                using (var spice = new TcpClient())
                {
                    await spice.ConnectAsync("127.0.0.1", spicePort, ct);
                }
                Assert.That(await first.StopAsync("KILL"), Is.Not.Zero);
            }

            // A restarted virtd reads the ports back from the live definition.
            await using var second = await VirtdProcess.StartAsync(state);
            Assert.That(Port(await VshRun.OkAsync(second, "dumpxml", "shown"), "vnc"), Is.EqualTo(vncPort));
            Assert.That(await VshRun.OkAsync(second, "domdisplay", "shown", "--type", "spice"), Is.EqualTo($"spice://127.0.0.1:{spicePort}\n"));
            // A save image keeps the password for its restore, shown like dumpxml's; the restored QEMU gets it again.
            var image = Path.Combine(state, "shown.save");
            await VshRun.OkAsync(second, "save", "shown", image);
            Assert.That(await VshRun.OkAsync(second, "save-image-dumpxml", image), Does.Not.Contain("passwd"));
            Assert.That(await VshRun.OkAsync(second, "save-image-dumpxml", image, "--security-info"), Does.Contain("passwd='s3cret'"));
            await VshRun.OkAsync(second, "restore", image);
            var restoredPort = Port(await VshRun.OkAsync(second, "dumpxml", "shown"), "vnc");
            Assert.That(await VncAuthenticateAsync(restoredPort, "s3cret", ct), Is.Zero, "the restored guest's password");
            await VshRun.OkAsync(second, "destroy", "shown");
            await VshRun.OkAsync(second, "destroy", "other");
            Assert.That(await VshRun.OkAsync(second, "dumpxml", "shown"), Does.Contain("<graphics type='vnc' port='-1' autoport='yes'"));
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }

    private static int Port(string xml, string type) =>
        int.Parse(Regex.Match(xml, $"<graphics type='{type}' port='(\\d+)' ").Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>The security types a VNC server offers after the RFB 3.8 version handshake.</summary>
    private static async Task<byte[]> VncSecurityTypesAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        return await SecurityTypesAsync(stream, ct);
    }

    private static async Task<byte[]> SecurityTypesAsync(NetworkStream stream, CancellationToken ct)
    {
        var version = new byte[12];
        await stream.ReadExactlyAsync(version, ct);
        Assert.That(Encoding.ASCII.GetString(version), Is.EqualTo("RFB 003.008\n"));
        await stream.WriteAsync("RFB 003.008\n"u8.ToArray(), ct);
        var count = new byte[1];
        await stream.ReadExactlyAsync(count, ct);
        var types = new byte[count[0]];
        await stream.ReadExactlyAsync(types, ct);
        return types;
    }

    /// <summary>RFB's VNC authentication (security type 2) with <paramref name="password"/>: the server's SecurityResult, 0 for OK.</summary>
    private static async Task<uint> VncAuthenticateAsync(int port, string password, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        Assert.That(await SecurityTypesAsync(stream, ct), Is.EqualTo(new byte[] { 2 }), "VNC authentication only");
        await stream.WriteAsync(new byte[] { 2 }, ct);
        var challenge = new byte[16];
        await stream.ReadExactlyAsync(challenge, ct);
        // The protocol's key is the password's first 8 bytes, each with its bits mirrored, and DES-ECB is its cipher.
        var key = new byte[8];
        Encoding.ASCII.GetBytes(password[..Math.Min(8, password.Length)]).CopyTo(key, 0);
        for (var i = 0; i < key.Length; i++)
        {
            var mirrored = 0;
            for (var bit = 0; bit < 8; bit++)
            {
                mirrored |= ((key[i] >> bit) & 1) << (7 - bit);
            }
            key[i] = (byte)mirrored;
        }
#pragma warning disable CA5351 // RFB's VNC authentication is defined with DES; this checks QEMU's side of it.
        using var des = DES.Create();
#pragma warning restore CA5351
        des.Key = key;
        await stream.WriteAsync(des.EncryptEcb(challenge, PaddingMode.None), ct);
        var result = new byte[4];
        await stream.ReadExactlyAsync(result, ct);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(result);
    }
}
