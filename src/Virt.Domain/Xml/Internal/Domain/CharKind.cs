namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Which list a character device belongs to; the element name and target rules follow from it.</summary>
internal enum CharKind
{
    Serial,
    Parallel,
    Console,
    Channel,
}
