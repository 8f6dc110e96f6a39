namespace Virt.Driver;

/// <summary>
/// start and create <c>--autodestroy</c> kept with the run, for a driver whose guests outlive virtd (the QEMU driver's
/// workers). The tie itself (which connection, and destroying the run when it closes) is the API layer's; what a driver
/// adds here is that a virtd started again destroys every run still marked, because the connection it was tied to
/// closed when the old virtd went. A driver without this contract keeps its runs in virtd's memory, and they end with it.
/// </summary>
public interface IDomainAutodestroy
{
    /// <summary>
    /// Marks run <paramref name="id"/> of <paramref name="domain"/> (durable when this returns); a run that has already
    /// stopped is left unmarked. A marked run is not migrated (libvirt: "domain is marked for auto destroy").
    /// </summary>
    Task MarkAutodestroyAsync(DomainRef domain, int id, CancellationToken cancellationToken);
}
