using System.Runtime.InteropServices;
using Virt.Rpc.Server.Internal;

namespace Virt.Rpc.Tests;

/// <summary>
/// The idle trim unmaps the executable's read-only pages that start-up left mapped, and never a mapping that holds
/// private pages (RELRO: relocated by the loader), which the file cannot give back.
/// </summary>
public sealed class ReadOnlyImagePagesTests
{
    private const string Smaps = """
        5600000000-5600026000 r--p 00000000 fe:00 42                         /opt/virt/virtd
        Size:                152 kB
        Rss:                 148 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me dw
        5600027000-5600a31000 r-xp 00027000 fe:00 42                         /opt/virt/virtd
        Rss:                8848 kB
        Anonymous:             0 kB
        5600a31000-5601070000 r--p 00a31000 fe:00 42                         /opt/virt/virtd
        Rss:                5796 kB
        Anonymous:             0 kB
        560125e000-5601260000 r--p 0149b000 fe:00 42                         /opt/virt/virtd
        Rss:                   8 kB
        Anonymous:             8 kB
        5601260000-56012b4000 rw-p 0149c000 fe:00 42                         /opt/virt/virtd
        Rss:                 336 kB
        Anonymous:           112 kB
        7f00000000-7f00100000 r--p 00000000 fe:00 7                          /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                 152 kB
        Anonymous:             0 kB
        7f10000000-7f10800000 rw-p 00000000 00:00 0
        Rss:                8676 kB
        Anonymous:          8676 kB
        """;

    [Test]
    public void Only_the_executables_read_only_mappings_without_private_pages_are_released()
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"smaps-{Guid.NewGuid():N}");
        File.WriteAllText(path, Smaps);
        try
        {
            var mappings = ReadOnlyImagePages.ReadMappings(path);
            Assert.That(mappings, Has.Count.EqualTo(7));
            Assert.That(mappings[0], Is.EqualTo(new ReadOnlyImagePages.Mapping(0x5600000000, 0x5600026000, "r--p", "/opt/virt/virtd", 148, 0)));
            Assert.That(mappings[6].Path, Is.Empty);

            var releasable = ReadOnlyImagePages.Releasable(mappings, "/opt/virt/virtd").Select(m => m.Start).ToList();

            Assert.That(releasable, Is.EqualTo(new ulong[] { 0x5600000000, 0x5600a31000 }),
                "the headers and .rodata go; the code, the RELRO page (private pages), the data, libc and anonymous memory stay");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Releasing_this_process_unmaps_its_clean_read_only_image_pages_and_keeps_its_relro()
    {
        // The test host's executable (the dotnet muxer) has both kinds: clean read-only segments and a RELRO page.
        var executable = new FileInfo("/proc/self/exe").LinkTarget!;
        // Another test's idle trim in this process may have released them already: read one byte of each page back in.
        foreach (var clean in ImageMappings(executable).Where(m => m.AnonymousKib == 0))
        {
            for (var page = clean.Start; page < clean.End; page += (ulong)Environment.SystemPageSize)
            {
                _ = Marshal.ReadByte((nint)page);
            }
        }
        var before = ImageMappings(executable);
        Assert.That(before.Any(m => m.AnonymousKib == 0 && m.ResidentKib > 0), "the executable has a resident clean read-only mapping");

        var released = ReadOnlyImagePages.Release();

        var after = ImageMappings(executable);
        Assert.That(released, Is.EqualTo(before.Where(m => m.AnonymousKib == 0).Sum(m => m.ResidentKib)));
        Assert.That(after.Where(m => m.AnonymousKib == 0).Sum(m => m.ResidentKib), Is.LessThan(released),
            "the released mappings are no longer resident (a page read again since may be back)");
        Assert.That(after.Where(m => m.AnonymousKib > 0).Select(m => m.ResidentKib), Is.EqualTo(before.Where(m => m.AnonymousKib > 0).Select(m => m.ResidentKib)),
            "mappings with private pages are left as they were");
    }

    private static List<ReadOnlyImagePages.Mapping> ImageMappings(string executable) =>
        ReadOnlyImagePages.ReadMappings("/proc/self/smaps").Where(m => m.Path == executable && m.Permissions == "r--p").ToList();
}
