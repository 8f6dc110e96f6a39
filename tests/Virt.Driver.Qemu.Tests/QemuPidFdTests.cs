using System.Diagnostics;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// virtd's own pidfd on QEMU, with a real child process standing in for QEMU: whose child it accepts, and who owns it
/// while a destroy waits on it.
/// </summary>
public sealed class QemuPidFdTests
{
    private Process _child = null!;

    [SetUp]
    public void SetUp() => _child = Process.Start("sleep", "60");

    [TearDown]
    public void TearDown()
    {
        if (!_child.HasExited)
        {
            _child.Kill();
        }
        _child.Dispose();
    }

    private static RunningGuest Guest() =>
        new(Guid.NewGuid(), new GuestPaths(Guid.NewGuid(), new QemuDriverOptions { StateDirectory = "/state" }), worker: null);

    [Test]
    public void A_child_is_opened_only_for_its_own_parent()
    {
        using var opened = PidFd.OpenChildOf(_child.Id, Environment.ProcessId);
        Assert.That(opened, Is.Not.Null);
        Assert.That(opened!.Signal(0), Is.True, "alive");
        Assert.That(PidFd.OpenChildOf(_child.Id, Environment.ProcessId + 1), Is.Null, "another parent's pid");
        Assert.That(PidFd.OpenChildOf(0, Environment.ProcessId), Is.Null);
    }

    [Test]
    public void A_reaped_child_is_not_opened_and_an_open_one_sees_its_exit()
    {
        using var opened = PidFd.OpenChildOf(_child.Id, Environment.ProcessId)!;
        Assert.That(opened.WaitExited(TimeSpan.FromMilliseconds(50)), Is.False, "still running");
        Assert.That(opened.Signal(PidFd.SigTerm), Is.True);
        Assert.That(opened.WaitExited(TimeSpan.FromSeconds(10)), Is.True);
        _child.WaitForExit();
        Assert.That(opened.Signal(0), Is.False, "gone");
        Assert.That(PidFd.OpenChildOf(_child.Id, Environment.ProcessId), Is.Null, "reaped: the pid may be anyone's now");
    }

    [Test]
    public void A_destroy_that_took_the_pidfd_keeps_it_when_the_event_pump_commits_the_stop_first()
    {
        var guest = Guest();
        guest.HoldQemu(PidFd.Open(_child.Id));
        using var taken = guest.TakeQemu();
        Assert.That(taken, Is.Not.Null);
        Assert.That(guest.TakeQemu(), Is.Null, "one owner");

        guest.MarkStopped();

        Assert.That(taken!.Signal(PidFd.SigTerm), Is.True, "not closed under the destroy");
        Assert.That(taken.WaitExited(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public void The_pidfd_is_closed_when_the_stop_is_committed_even_if_held_after_it()
    {
        var held = Guest();
        var pidfd = PidFd.Open(_child.Id);
        held.HoldQemu(pidfd);
        held.MarkStopped();
        Assert.That(held.TakeQemu(), Is.Null);
        Assert.That(() => pidfd.Signal(0), Throws.InstanceOf<ObjectDisposedException>(), "closed by the stop");

        var late = Guest();
        late.MarkStopped();
        var lateFd = PidFd.Open(_child.Id);
        late.HoldQemu(lateFd);
        Assert.That(late.TakeQemu(), Is.Null, "a hold after the stop is closed at once");
        Assert.That(() => lateFd.Signal(0), Throws.InstanceOf<ObjectDisposedException>());
    }
}
