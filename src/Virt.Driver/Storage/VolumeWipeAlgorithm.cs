namespace Virt.Driver;

/// <summary>libvirt's virStorageVolWipeAlgorithm, with its numbers.</summary>
public enum VolumeWipeAlgorithm
{
    Zero = 0,
    Nnsa = 1,
    Dod = 2,
    Bsi = 3,
    Gutmann = 4,
    Schneier = 5,
    Pfitzner7 = 6,
    Pfitzner33 = 7,
    Random = 8,
    Trim = 9,
}
