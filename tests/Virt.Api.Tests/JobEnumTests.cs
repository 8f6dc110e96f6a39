using Google.Protobuf.Reflection;
using Virt.Protocol.V1;

namespace Virt.Api.Tests;

/// <summary>The registry's enums pass through the API by number, so they must match virt.v1's value for value.</summary>
public sealed class JobEnumTests
{
    [Test]
    public void Job_operations_and_states_have_the_protocols_numbers()
    {
        Assert.That(Pairs<Virt.Driver.Jobs.JobOperation>(), Is.EquivalentTo(ProtoPairs("JobOperation", "JOB_OPERATION_")));
        Assert.That(Pairs<Virt.Driver.Jobs.JobState>(), Is.EquivalentTo(ProtoPairs("JobState", "JOB_STATE_").Where(p => p.Number != 0)));
    }

    private static IEnumerable<(string Name, int Number)> Pairs<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Select(v => (string.Concat(v.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant(), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)));

    private static IEnumerable<(string Name, int Number)> ProtoPairs(string type, string prefix) =>
        JobsReflection.Descriptor.FindTypeByName<EnumDescriptor>(type).Values.Select(v => (v.Name[prefix.Length..], v.Number));
}
