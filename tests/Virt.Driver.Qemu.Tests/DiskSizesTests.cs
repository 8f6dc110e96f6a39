using System.Text.Json.Nodes;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// domblkinfo's figures for a running guest from QEMU's replies, case by case as libvirt's qemuDomainGetBlockInfo
/// derives them. The real thing (QEMU, qemu-img, files on disk) is VirtdGuestMonitorTests'.
/// </summary>
[TestFixture]
public sealed class DiskSizesTests
{
    private static JsonObject Block(string format, ulong virtualSize, ulong? actualSize)
    {
        var image = new JsonObject { ["format"] = format, ["virtual-size"] = virtualSize };
        if (actualSize is { } bytes)
        {
            image["actual-size"] = bytes;
        }
        return new JsonObject
        {
            ["qdev"] = "/machine/peripheral/virtio-disk0/virtio-backend",
            ["inserted"] = new JsonObject { ["file"] = "/img", ["image"] = image },
        };
    }

    // The device's own counters, and (with a file node under the format node) the file's, where libvirt reads the offset.
    private static JsonObject Stats(ulong? highestWritten)
    {
        var entry = new JsonObject { ["stats"] = new JsonObject { ["wr_highest_offset"] = 0 } };
        if (highestWritten is { } offset)
        {
            entry["parent"] = new JsonObject { ["stats"] = new JsonObject { ["wr_highest_offset"] = offset } };
        }
        return entry;
    }

    [Test]
    public void A_raw_file_the_guest_wrote_to_allocates_up_to_its_highest_write_and_takes_its_blocks()
    {
        var info = DiskSizes.Active(Block("raw", 64 << 20, actualSize: 8 << 20), Stats(5 << 20), blockDevice: false, () => throw new AssertionException("not re-read"));
        Assert.That(info, Is.EqualTo(new DomainBlockInfo(64 << 20, 5 << 20, 8 << 20)));
    }

    [Test]
    public void A_raw_file_not_yet_written_reads_its_blocks_as_allocation_and_its_size_as_physical()
    {
        var info = DiskSizes.Active(Block("raw", 64 << 20, actualSize: 4096), Stats(0), blockDevice: false, () => 64 << 20);
        Assert.That(info, Is.EqualTo(new DomainBlockInfo(64 << 20, 4096, 64 << 20)));
    }

    [Test]
    public void A_qcow2_file_allocates_its_host_bytes_whatever_the_guest_wrote_and_its_physical_is_the_file_size()
    {
        var info = DiskSizes.Active(Block("qcow2", 1 << 30, actualSize: 200704), Stats(900 << 20), blockDevice: false, () => 196624);
        Assert.That(info, Is.EqualTo(new DomainBlockInfo(1 << 30, 200704, 196624)));
    }

    [Test]
    public void A_qcow2_image_on_a_block_device_allocates_up_to_its_highest_write()
    {
        var info = DiskSizes.Active(Block("qcow2", 1 << 30, actualSize: null), Stats(3 << 20), blockDevice: true, () => throw new AssertionException("not re-read"));
        Assert.That(info, Is.EqualTo(new DomainBlockInfo(1 << 30, 3 << 20, 1 << 30)));
    }

    [Test]
    public void Without_a_file_node_the_allocation_is_the_host_bytes_in_use()
    {
        var info = DiskSizes.Active(Block("raw", 64 << 20, actualSize: 12288), Stats(null), blockDevice: false, () => 64 << 20);
        Assert.That(info, Is.EqualTo(new DomainBlockInfo(64 << 20, 12288, 64 << 20)));
    }
}
