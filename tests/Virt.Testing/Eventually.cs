namespace Virt.Testing;

/// <summary>Polling for a state that something else brings about (a guest's state, a log line).</summary>
public static class Eventually
{
    /// <summary>Reads until <paramref name="done"/> holds (a "did not hang" bound, not a timing assertion); returns the last value.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }
            await Task.Delay(100, cancellationToken);
        }
    }
}
