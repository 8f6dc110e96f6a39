using Virt.Rpc.Client;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// Deadlines further away than a timer can count (about 49.7 days) are legal on the wire and mean "no practical
/// limit"; BadInputTests covers the raw header, this the same through our own client.
/// </summary>
public sealed class LongDeadlineTests
{
    [TestCase(30)]
    [TestCase(60)]
    [TestCase(3650)]
    public async Task Call_with_a_deadline_days_away_is_served(int days)
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);

        var response = await new Interop.Interop.InteropClient(channel).EchoAsync(new EchoRequest { Text = "later" }, deadline: DateTime.UtcNow.AddDays(days));

        Assert.That(response.Text, Is.EqualTo("later"));
    }
}
