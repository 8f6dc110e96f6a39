namespace Virt.Integration.Tests;

/// <summary>Something that holds a save job halfway (<see cref="SaveWriterHold"/>, <see cref="QemuWriteHold"/>) and can let it go.</summary>
internal interface ISaveHold
{
    /// <summary>Lets the held stream go on, as a disk that recovers.</summary>
    void Release();
}
