using Grpc.Core;

namespace Virt.Rpc.Wire;

/// <summary>How a service handler's exception becomes the call's status; shared by the HTTP/2 server and in-process calls.</summary>
internal static class HandlerOutcome
{
    public static Status StatusFor(Exception exception, bool deadlineExceeded, bool serverStopping, bool detailedErrors, Metadata responseTrailers)
    {
        if (exception is RpcException rpc)
        {
            foreach (var entry in rpc.Trailers)
            {
                responseTrailers.Add(entry);
            }
            return rpc.Status;
        }
        if (deadlineExceeded)
        {
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        if (exception is OperationCanceledException)
        {
            return serverStopping
                ? new Status(StatusCode.Unavailable, "The server is shutting down.")
                : new Status(StatusCode.Cancelled, "The call was cancelled.");
        }
        return new Status(
            StatusCode.Unknown,
            detailedErrors ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}" : "Exception was thrown by handler.",
            exception);
    }
}
