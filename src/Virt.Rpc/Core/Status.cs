namespace Grpc.Core;

/// <summary>The outcome of a call: a status code and a human-readable detail.</summary>
public readonly struct Status : IEquatable<Status>
{
    /// <summary>The status of a successful call.</summary>
    public static readonly Status DefaultSuccess = new(StatusCode.OK, "");

    /// <summary>The status of a call cancelled by its caller.</summary>
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, "");

    /// <summary>Creates a status.</summary>
    public Status(StatusCode statusCode, string detail)
        : this(statusCode, detail, null)
    {
    }

    /// <summary>Creates a status that carries the local exception behind it (never sent on the wire).</summary>
    public Status(StatusCode statusCode, string detail, Exception? debugException)
    {
        StatusCode = statusCode;
        Detail = detail;
        DebugException = debugException;
    }

    /// <summary>The status code.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>The detail message, sent as <c>grpc-message</c>.</summary>
    public string Detail { get; }

    /// <summary>The local exception that caused this status, if any. It is never sent to the peer.</summary>
    public Exception? DebugException { get; }

    /// <inheritdoc />
    public override string ToString() =>
        DebugException is null
            ? $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")"
            : $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\", DebugException=\"{DebugException.GetType()}: {DebugException.Message}\")";

    /// <inheritdoc />
    public bool Equals(Status other) => StatusCode == other.StatusCode && Detail == other.Detail;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Status other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StatusCode, Detail);

    /// <summary>Equality by code and detail.</summary>
    public static bool operator ==(Status left, Status right) => left.Equals(right);

    /// <summary>Inequality by code and detail.</summary>
    public static bool operator !=(Status left, Status right) => !left.Equals(right);
}
