using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu.Tests;

/// <summary>The worker's run state file on the real file system: written in place into a spare, then swapped in.</summary>
public sealed class WorkerStateFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("virt-state-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static WorkerStatus Status(int state, ulong sequence, string alias) => new()
    {
        DomainUuid = "7aad103f-ea60-45d9-9d2f-c964681f074c",
        DomainId = 3,
        WorkerPid = 100,
        QemuPid = 101,
        State = state,
        Reason = 1,
        StartTimeMs = 1_764_662_601_417,
        Sequence = sequence,
        ConsoleAlias = alias,
    };

    [Test]
    public void Each_write_replaces_the_whole_file_with_owner_only_access_even_when_the_new_one_is_shorter()
    {
        var path = Path.Combine(_dir, "guest.state");
        WorkerStateFile.Write(path, Status(GuestStates.Running, 1, "a-long-console-alias-that-makes-the-first-file-longer"));
        WorkerStateFile.Write(path, Status(GuestStates.Paused, 2, "serial0"));
        var shorter = Status(GuestStates.Shutoff, 3, "s");
        shorter.QemuExit = 0;
        WorkerStateFile.Write(path, shorter);

        Assert.That(WorkerStateFile.Read(path), Is.EqualTo(shorter));
        Assert.That(File.ReadAllText(path), Does.EndWith("console_alias=s\nqemu_exit=0\n"), "no tail of a longer earlier state");
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void The_spare_holds_the_state_before_the_last_and_is_never_read_as_a_state_file()
    {
        var path = Path.Combine(_dir, "guest.state");
        WorkerStateFile.Write(path, Status(GuestStates.Running, 1, "serial0"));
        WorkerStateFile.Write(path, Status(GuestStates.Paused, 2, "serial0"));

        // Swapped, not renamed over: the previous state is still there under the spare's name, to be rewritten next time.
        Assert.That(WorkerStateFile.Read(path + ".tmp")!.Sequence, Is.EqualTo(1));
        Assert.That(Directory.EnumerateFiles(_dir, "*.state"), Is.EqualTo(new[] { path }), "virtd's scan for run state sees one file");
    }

    [Test]
    public void Delete_removes_the_file_and_its_spare_and_tolerates_either_missing()
    {
        var path = Path.Combine(_dir, "guest.state");
        WorkerStateFile.Write(path, Status(GuestStates.Running, 1, "serial0"));
        WorkerStateFile.Write(path, Status(GuestStates.Running, 2, "serial0"));

        WorkerStateFile.Delete(path);
        WorkerStateFile.Delete(path);

        Assert.That(Directory.EnumerateFileSystemEntries(_dir), Is.Empty);
        Assert.That(WorkerStateFile.Read(path), Is.Null);
    }
}
