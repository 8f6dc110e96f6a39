using System.Collections.Frozen;

namespace Virt.Driver;

/// <summary>
/// The one exception drivers throw for an operation that cannot be done: a <see cref="VirtErrorReason"/>, a message
/// that says what to change, and metadata naming the objects involved (<c>domain</c>, <c>job</c>, <c>element</c>…,
/// the keys of <c>google.rpc.ErrorInfo.metadata</c>). The API boundary turns it into a gRPC status; nothing below that
/// boundary knows about gRPC.
/// </summary>
public sealed class VirtException : Exception
{
    public VirtException(VirtErrorReason reason, string message, IReadOnlyDictionary<string, string>? metadata = null, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        Metadata = metadata?.ToFrozenDictionary(StringComparer.Ordinal) ?? FrozenDictionary<string, string>.Empty;
    }

    public VirtErrorReason Reason { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static VirtException DomainNotFound(DomainRef domain) =>
        new(VirtErrorReason.DomainNotFound, $"Domain not found: no domain with matching {domain.Describe()}", new Dictionary<string, string> { ["domain"] = domain.ToString() });

    public static VirtException DomainExists(string name, string existing) =>
        new(VirtErrorReason.DomainExists, $"Domain '{name}' cannot be defined: {existing}.", new Dictionary<string, string> { ["domain"] = name });

    /// <summary>
    /// The operation is not legal in the domain's current state (libvirt's VIR_ERR_OPERATION_INVALID). The message is
    /// libvirt's, as virsh prints it ("Requested operation is not valid: domain is not running"); the domain, its state
    /// and the operation are in the metadata.
    /// </summary>
    public static VirtException OperationInvalid(string domain, string operation, DomainState state, string detail) =>
        InvalidState("Requested operation is not valid: ", domain, operation, state, detail);

    /// <summary>
    /// A state refusal that libvirt's driver reports as VIR_ERR_INTERNAL_ERROR (the test driver's "internal error:
    /// domain 'test' not paused"): the same typed reason as <see cref="OperationInvalid"/>, with libvirt's text.
    /// </summary>
    public static VirtException InternalStateError(string domain, string operation, DomainState state, string detail) =>
        InvalidState("internal error: ", domain, operation, state, detail);

    private static VirtException InvalidState(string prefix, string domain, string operation, DomainState state, string detail) =>
        new(VirtErrorReason.OperationInvalid, prefix + detail,
            new Dictionary<string, string> { ["domain"] = domain, ["state"] = state.ToDisplayString(), ["operation"] = operation });

    /// <summary>The driver cannot do this at all; it never pretends to succeed.</summary>
    public static VirtException Unsupported(string driver, string operation) =>
        new(VirtErrorReason.OperationUnsupported, $"The {driver} driver does not support {operation}.",
            new Dictionary<string, string> { ["driver"] = driver, ["operation"] = operation });

    public static VirtException FromDefinition(Virt.Domain.DefinitionException definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var metadata = new Dictionary<string, string> { ["definitionReason"] = definition.Reason.ToString() };
        if (!string.IsNullOrEmpty(definition.Location))
        {
            metadata["element"] = definition.Location;
        }
        if (definition.Line > 0)
        {
            metadata["line"] = definition.Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var reason = definition.Reason == Virt.Domain.DefinitionErrorReason.LimitExceeded ? VirtErrorReason.ResourceLimit : VirtErrorReason.InvalidXml;
        return new VirtException(reason, definition.Message, metadata, definition);
    }
}
