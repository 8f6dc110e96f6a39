using Virt.Driver.Storage.Backends;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage.Tests;

/// <summary>
/// How a file volume's bytes are opened (DirBackend.OpenVolumeFile): a symbolic link planted in a pool never
/// redirects a read or write out of it, and a FIFO cannot block the daemon. Real files, links and FIFOs in a
/// temporary directory.
/// </summary>
public sealed class VolumeFileTests
{
    private string _root = "";
    private string _pool = "";
    private string _outside = "";

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("virt-volume-file-").FullName;
        _pool = Directory.CreateDirectory(Path.Combine(_root, "pool")).FullName;
        _outside = Path.Combine(_root, "outside.bin");
        File.WriteAllText(_outside, "precious");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public void A_link_out_of_the_pool_is_refused_and_its_target_is_untouched()
    {
        var link = Path.Combine(_pool, "evil.img");
        File.CreateSymbolicLink(link, _outside);

        var error = Assert.Throws<VirtException>(() => DirBackend.OpenVolumeFile(_pool, link, write: true).Dispose());

        Assert.That(error!.Reason, Is.EqualTo(VirtErrorReason.StoragePathNotConfined));
        Assert.That(error.Message, Does.Contain("evil.img").And.Contain("outside the pool"));
        Assert.That(File.ReadAllText(_outside), Is.EqualTo("precious"));
    }

    [Test]
    public void The_open_itself_does_not_follow_a_link_swapped_in_after_the_check()
    {
        // What a link swapped in between resolving the path and opening it meets: open(2) with O_NOFOLLOW.
        var link = Path.Combine(_pool, "swapped.img");
        File.CreateSymbolicLink(link, _outside);

        using var handle = NativeMethods.OpenNoFollow(link, write: true, out var refused);

        Assert.That(handle, Is.Null);
        Assert.That(refused, Does.Contain("symbolic link"));
        Assert.That(File.ReadAllText(_outside), Is.EqualTo("precious"));
    }

    [Test]
    public void A_link_to_another_file_in_the_pool_is_followed_once()
    {
        var real = Path.Combine(_pool, "real.img");
        File.WriteAllText(real, "old!");
        var link = Path.Combine(_pool, "alias.img");
        File.CreateSymbolicLink(link, "real.img");

        using (var file = DirBackend.OpenVolumeFile(_pool, link, write: true))
        {
            file.Write("new!"u8);
        }

        Assert.That(File.ReadAllText(real), Is.EqualTo("new!"));
    }

    [Test]
    public void A_fifo_in_the_pool_is_refused_without_blocking()
    {
        var fifo = Path.Combine(_pool, "pipe.img");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.That(mkfifo.ExitCode, Is.Zero);
        }

        // Opening a FIFO for reading with nobody writing would block forever without O_NONBLOCK.
        var error = Assert.Throws<VirtException>(() => DirBackend.OpenVolumeFile(_pool, fifo, write: false).Dispose());

        Assert.That(error!.Reason, Is.EqualTo(VirtErrorReason.StoragePathNotConfined));
        Assert.That(error.Message, Does.Contain("neither a regular file nor a block device"));
    }
}
