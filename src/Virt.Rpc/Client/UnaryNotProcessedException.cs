namespace Virt.Rpc.Client;

/// <summary>
/// The server closed the lane's connection before it took the call (GOAWAY naming an earlier last stream, or the
/// connection already closed before the request was written): the call was not run and may be sent again.
/// </summary>
internal sealed class UnaryNotProcessedException(string message) : IOException(message);
