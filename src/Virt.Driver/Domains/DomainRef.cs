namespace Virt.Driver;

/// <summary>Names a domain by exactly one of name, UUID or id (virsh accepts any of the three).</summary>
public sealed record DomainRef
{
    private DomainRef(string? name, Guid? uuid, int? id)
    {
        Name = name;
        Uuid = uuid;
        Id = id;
    }

    public string? Name { get; }

    public Guid? Uuid { get; }

    public int? Id { get; }

    public static DomainRef ByName(string name) => new(name ?? throw new ArgumentNullException(nameof(name)), null, null);

    public static DomainRef ByUuid(Guid uuid) => new(null, uuid, null);

    public static DomainRef ById(int id) => id > 0 ? new(null, null, id) : throw new ArgumentOutOfRangeException(nameof(id), id, "Domain ids are positive; inactive domains have none.");

    /// <summary>
    /// virsh's rule for a domain argument: an id if it is a positive number, else a UUID if it parses as one, else a
    /// name.
    /// </summary>
    public static DomainRef Parse(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0)
        {
            return ById(id);
        }
        return Guid.TryParse(text, out var uuid) ? ByUuid(uuid) : ByName(text);
    }

    /// <summary>For messages: <c>name 'web1'</c>, <c>uuid '…'</c>, <c>id 3</c>.</summary>
    public string Describe() => Name is not null ? $"name '{Name}'" : Uuid is { } uuid ? $"uuid '{uuid}'" : $"id {Id}";

    /// <inheritdoc />
    public override string ToString() => Name ?? Uuid?.ToString() ?? Id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
}
