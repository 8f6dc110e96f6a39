namespace Grpc.Core;

/// <summary>Reads a stream of messages.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The current message, valid after <see cref="MoveNext"/> returned true.</summary>
    T Current { get; }

    /// <summary>Advances to the next message; false at the end of the stream.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>Writes a stream of messages.</summary>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>Options applied to subsequent writes.</summary>
    WriteOptions? WriteOptions { get; set; }

    /// <summary>Writes one message. Only one write may be pending at a time.</summary>
    Task WriteAsync(T message);

    /// <summary>Writes one message, observing a cancellation token.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken) => WriteAsync(message);
}

/// <summary>The client's request stream in client-streaming and duplex calls.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Half-closes the request stream: no more messages will be written.</summary>
    Task CompleteAsync();
}

/// <summary>The server's response stream in server-streaming and duplex calls.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}

/// <summary>Async enumeration over a stream reader.</summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>Enumerates every remaining message of the stream.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
