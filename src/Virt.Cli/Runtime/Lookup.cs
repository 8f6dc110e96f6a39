using System.Globalization;
using Grpc.Core;
using Virt.Client;
using Virt.Protocol.V1;

namespace Virt.Cli.Runtime;

/// <summary>Which forms of a domain argument a command accepts (virsh's VIRSH_BYID, VIRSH_BYUUID, VIRSH_BYNAME).</summary>
[Flags]
internal enum DomainBy
{
    Id = 1,
    Uuid = 2,
    Name = 4,
    All = Id | Uuid | Name,
}

/// <summary>
/// virshLookupDomainBy (tools/virsh-util.c): try the argument as an id (a non-negative number), then as a UUID (36
/// characters), then as a name, each only if the command allows it, and fail with <c>failed to get domain 'x'</c>
/// alone (virsh drops the library's message). Commands then act on the UUID found, so a later rename or restart
/// cannot redirect them.
/// </summary>
internal static class Lookup
{
    /// <exception cref="VshError">No domain matches.</exception>
    public static async Task<DomainSummary> DomainAsync(VirtConnection connection, string text, DomainBy by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        VirtClientException? last = null;
        if (by.HasFlag(DomainBy.Id)
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) && id >= 0)
        {
            (var found, last) = await TryAsync(connection, new DomainRef { Id = id }, cancellationToken);
            if (found is not null)
            {
                return found;
            }
        }

        if (by.HasFlag(DomainBy.Uuid) && text.Length == 36 && Guid.TryParse(text, out var uuid))
        {
            (var found, last) = await TryAsync(connection, new DomainRef { Uuid = uuid.ToString("D") }, cancellationToken);
            if (found is not null)
            {
                return found;
            }
        }

        if (by.HasFlag(DomainBy.Name))
        {
            (var found, last) = await TryAsync(connection, new DomainRef { Name = text }, cancellationToken);
            if (found is not null)
            {
                return found;
            }
        }

        throw last is null
            ? VshError.Of($"failed to get domain '{text}'")
            : VshError.Replacing(last, $"failed to get domain '{text}'");
    }

    /// <summary>The domain an option names (<c>--domain</c> by default).</summary>
    public static async Task<DomainSummary> DomainAsync(CommandContext context, CancellationToken cancellationToken, DomainBy by = DomainBy.All, string option = "domain")
    {
        ArgumentNullException.ThrowIfNull(context);
        var connection = await context.ConnectionAsync(cancellationToken);
        return await DomainAsync(connection, context.Args.Required(option), by, cancellationToken);
    }

    private static async Task<(DomainSummary? Found, VirtClientException? Error)> TryAsync(
        VirtConnection connection, DomainRef reference, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await connection.Domains.LookupDomainAsync(new LookupDomainRequest { Domain = reference }, cancellationToken: cancellationToken);
            return (reply.Domain, null);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            return (null, VirtClientException.From(e));
        }
        catch (RpcException e)
        {
            // Not "no such domain" but a broken call: say both, rather than hide why.
            throw VshError.FromClient(VirtClientException.From(e), $"failed to get domain '{Describe(reference)}'");
        }
    }

    private static string Describe(DomainRef reference) => reference.RefCase switch
    {
        DomainRef.RefOneofCase.Id => reference.Id.ToString(CultureInfo.InvariantCulture),
        DomainRef.RefOneofCase.Uuid => reference.Uuid,
        _ => reference.Name,
    };
}
