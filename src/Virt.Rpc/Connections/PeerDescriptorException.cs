namespace Virt.Rpc;

/// <summary>A peer's file descriptor could not be taken (<see cref="PeerProcess.DuplicateDescriptor"/>).</summary>
public sealed class PeerDescriptorException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, as a sentence.</param>
    /// <param name="callerError">Whether the caller named a descriptor it does not have (its mistake), rather than the server being unable to take it.</param>
    public PeerDescriptorException(string message, bool callerError)
        : base(message)
    {
        CallerError = callerError;
    }

    /// <summary>Creates the exception (for serializers and analyzers; prefer the other constructor).</summary>
    public PeerDescriptorException()
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers; prefer the other constructor).</summary>
    /// <param name="message">What went wrong.</param>
    public PeerDescriptorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers; prefer the other constructor).</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PeerDescriptorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// True: the caller named a descriptor it does not have open (a bad request). False: the server cannot take
    /// descriptors from this caller (permissions, the process gone, no pidfd support); a transfer falls back to streaming.
    /// </summary>
    public bool CallerError { get; }
}
