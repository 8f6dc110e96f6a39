namespace Virt.Cli.Output.Tests;

/// <summary>
/// libvirt's built-in test:///default state (src/test/test_driver.c's defaultConnXML), typed by hand as the data
/// layer will hand it to the formatters. Every fact here is checked against real virsh by the parity tests.
/// </summary>
internal static class DefaultFixture
{
    public const string DomainUuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";
    public const string NetworkUuid = "dd8fe884-6c02-601e-7551-cca97df1c5df";
    public const string PoolUuid = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566";

    public static DomainRow Domain(DomainState state = DomainState.Running, bool hasManagedSave = false) =>
        new(state == DomainState.Shutoff ? null : 1, "test", DomainUuid, state, HasManagedSave: hasManagedSave);

    public static DomainInfo Info(DomainState state, ulong cpuTimeNanoseconds, bool managedSave = false)
    {
        var active = state != DomainState.Shutoff;
        return new DomainInfo(
            Id: active ? 1 : null,
            Name: "test",
            Uuid: DomainUuid,
            OsType: "linux",
            State: state,
            Cpus: 2,
            CpuTimeNanoseconds: cpuTimeNanoseconds,
            MaxMemoryKiB: 8 * 1024 * 1024,
            UsedMemoryKiB: 2 * 1024 * 1024,
            Persistent: true,
            Autostart: false,
            ManagedSave: managedSave,
            SecurityModel: "testSecurity",
            SecurityDoi: "",
            SecurityLabel: active ? "libvirt-test" : null,
            SecurityLabelEnforcing: true);
    }

    public static NetworkRow Network(bool active = true) => new("default", NetworkUuid, active, false, true);

    public static NetworkInfo NetworkInfo(bool active = true) =>
        new("default", NetworkUuid, active, Persistent: true, Autostart: false, Bridge: "virbr0");

    public static PoolRow Pool(bool active = true) => new(
        "default-pool",
        PoolUuid,
        active ? StoragePoolState.Running : StoragePoolState.Inactive,
        Autostart: false,
        Persistent: true,
        Capacity: 100UL * 1024 * 1024 * 1024,
        Allocation: 0,
        Available: 100UL * 1024 * 1024 * 1024);
}
