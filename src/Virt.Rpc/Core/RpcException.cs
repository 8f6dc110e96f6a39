namespace Grpc.Core;

/// <summary>Thrown when a call ends with a non-OK status; servers throw it to end a call with that status.</summary>
public class RpcException : Exception
{
    /// <summary>Creates an exception for a status, with empty trailers.</summary>
    public RpcException(Status status)
        : this(status, new Metadata(), status.Detail)
    {
    }

    /// <summary>Creates an exception for a status with a custom message.</summary>
    public RpcException(Status status, string message)
        : this(status, new Metadata(), message)
    {
    }

    /// <summary>Creates an exception for a status and its trailers.</summary>
    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, status.Detail)
    {
    }

    /// <summary>Creates an exception for a status, its trailers and a custom message.</summary>
    public RpcException(Status status, Metadata trailers, string message)
        : base(message, status.DebugException)
    {
        Status = status;
        Trailers = trailers ?? throw new ArgumentNullException(nameof(trailers));
    }

    /// <summary>The call's status.</summary>
    public Status Status { get; }

    /// <summary>The call's status code.</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailers the call ended with (server side: the trailers to send).</summary>
    public Metadata Trailers { get; }
}
