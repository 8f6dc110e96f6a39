using System.Globalization;

namespace Virt.Cli.Output;

/// <summary>virsh's <c>vol-list</c> and <c>vol-info</c> (tools/virsh-volume.c).</summary>
public static class VolumeFormatter
{
    /// <summary><c>virsh vol-list POOL [--details]</c>: volumes sorted by name.</summary>
    public static string List(IEnumerable<VolumeRow> volumes, bool details, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var sorted = volumes.ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var text = new TextBuilder(output);
        var table = details ? new VirshTable("Name", "Path", "Type", "Capacity", "Allocation") : new VirshTable("Name", "Path");
        foreach (var v in sorted)
        {
            if (details)
            {
                table.AddRow(v.Name, v.Path, v.Type, Capacity.Format(v.Capacity), Capacity.Format(v.Allocation));
            }
            else
            {
                table.AddRow(v.Name, v.Path);
            }
        }
        return text.Table(table).Finish();
    }

    /// <summary><c>virsh vol-info VOL [--bytes] [--physical]</c>.</summary>
    public static string Info(VolumeRow volume, bool bytes, bool physical, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        string Size(ulong value) => bytes ? value.ToString(CultureInfo.InvariantCulture) + " bytes" : Capacity.Format(value);
        var text = new TextBuilder(output)
            .Field("Name:", volume.Name)
            .Field("Type:", volume.Type)
            .Field("Capacity:", Size(volume.Capacity));
        text = physical ? text.Field("Physical:", Size(volume.Physical)) : text.Field("Allocation:", Size(volume.Allocation));
        return text.Finish();
    }

    /// <summary>virshVolumeTypeToString.</summary>
    public static string TypeText(int type) => type switch
    {
        0 => "file",
        1 => "block",
        2 => "dir",
        3 => "network",
        4 => "netdir",
        5 => "ploop",
        _ => "unknown",
    };
}
