using Grpc.Core;
using Virt.Client;
using Virt.Protocol.V1;

namespace Virt.Cli.Runtime;

/// <summary>
/// A failed command: the lines virsh would print, each as <c>error: LINE</c> on stderr (vshError, then
/// vshReportError's libvirt error). A syntax error stops the command line before anything runs; any other error
/// ends one command, which then prints its blank line like any command.
/// </summary>
internal sealed class VshError : Exception
{
    private VshError(IReadOnlyList<string> messages, bool syntax, VirtClientException? cause)
        : base(string.Join("\n", messages), cause)
    {
        Messages = messages;
        IsSyntax = syntax;
        Cause = cause;
    }

    /// <summary>One <c>error:</c> line each.</summary>
    public IReadOnlyList<string> Messages { get; }

    /// <summary>Raised while parsing: nothing ran, so no blank line follows.</summary>
    public bool IsSyntax { get; }

    /// <summary>The API error behind it, for <c>--json</c>'s code and reason.</summary>
    public VirtClientException? Cause { get; }

    public static VshError Of(params string[] messages) => new(messages, syntax: false, cause: null);

    public static VshError Syntax(string message) => new([message], syntax: true, cause: null);

    /// <summary>virsh's pattern: its own line(s) first, then the library's message.</summary>
    public static VshError FromClient(VirtClientException error, params string[] context)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new([.. context, error.Message], syntax: false, cause: error);
    }

    /// <summary>The library's message first, then a line of its own (edit's "Failed.").</summary>
    public static VshError FollowedBy(VirtClientException error, string message)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new([error.Message, message], syntax: false, cause: error);
    }

    /// <summary>Its own line(s) only: the library error is dropped, as virsh's lookup helpers reset it.</summary>
    public static VshError Replacing(VirtClientException error, params string[] messages) =>
        new(messages, syntax: false, cause: error);

    /// <summary>The gRPC code for <c>--json</c> (UNKNOWN when the failure is the CLI's own).</summary>
    public StatusCode Code => Cause?.Code ?? StatusCode.Unknown;

    /// <summary>The API reason for <c>--json</c>.</summary>
    public ErrorReason Reason => Cause?.Reason ?? ErrorReason.Unspecified;
}
