namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>libvirt's disk target naming: a bus prefix then a base-26 letter index (<c>vda</c> is 0, <c>vdaa</c> is 26).</summary>
internal static class DiskNames
{
    private static readonly string[] _prefixes = ["xvd", "ubd", "hd", "sd", "vd", "fd"];

    public static bool TryIndex(string dev, out int index)
    {
        index = -1;
        var prefix = _prefixes.FirstOrDefault(p => dev.StartsWith(p, StringComparison.Ordinal));
        if (prefix is null)
        {
            return false;
        }
        var letters = dev[prefix.Length..];
        if (letters.Length is 0 or > 4 || !letters.All(c => c is >= 'a' and <= 'z'))
        {
            return false;
        }
        var value = 0;
        foreach (var c in letters)
        {
            value = (value * 26) + (c - 'a' + 1);
        }
        index = value - 1;
        return true;
    }

    /// <summary>The bus libvirt picks from the target name when none is given.</summary>
    public static DiskBus DefaultBus(string dev, DiskDevice device)
    {
        if (device == DiskDevice.Floppy || dev.StartsWith("fd", StringComparison.Ordinal))
        {
            return DiskBus.Fdc;
        }
        if (dev.StartsWith("hd", StringComparison.Ordinal))
        {
            return DiskBus.Ide;
        }
        if (dev.StartsWith("sd", StringComparison.Ordinal))
        {
            return DiskBus.Scsi;
        }
        return DiskBus.Virtio;
    }
}
