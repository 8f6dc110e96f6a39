using Virt.Rpc.Server.Internal;

namespace Virt.Rpc.Tests;

/// <summary>
/// Kestrel's block pool keeps returned blocks for the next calls, and lets go of them when the idle heap trim asks
/// (pinned blocks kept alive would pin their whole region of the pinned-object heap in memory).
/// </summary>
public sealed class LargeBlockMemoryPoolTests
{
    [Test]
    public void Returned_blocks_are_kept_for_the_next_rent_until_the_factory_releases_them()
    {
        var factory = new LargeBlockMemoryPoolFactory();
        using var first = (LargeBlockMemoryPool)factory.Create();
        using var second = (LargeBlockMemoryPool)factory.Create();
        var rented = Enumerable.Range(0, 3).Select(_ => first.Rent()).Append(second.Rent()).ToList();
        var reusable = rented[0].Memory;
        rented.ForEach(block => block.Dispose());

        Assert.That((first.SpareBlocks, second.SpareBlocks), Is.EqualTo((3, 1)));
        using (var again = first.Rent())
        {
            Assert.That(again.Memory.Span.Overlaps(reusable.Span), Is.True, "a spare block is rented again before a new one is allocated");
        }

        factory.ReleaseSpareBlocks();

        Assert.That((first.SpareBlocks, second.SpareBlocks), Is.EqualTo((0, 0)));
    }
}
