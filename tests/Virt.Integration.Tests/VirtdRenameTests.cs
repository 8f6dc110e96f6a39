using Virt.Client;
using Virt.Protocol.V1;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>domrename through a real virtd and vsh: the new name persists across a restart, keeps the domain's UUID and autostart, and the refusals are libvirt's.</summary>
public sealed class VirtdRenameTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task A_renamed_domain_keeps_its_uuid_and_autostart_across_a_restart_and_starts_under_its_new_name(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("vg-rename-").FullName;
        try
        {
            string uuid;
            await using (var virtd = await VirtdProcess.StartAsync(state))
            {
                await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(state, "old"));
                await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(state, "taken"));
                await VshRun.OkAsync(virtd, "autostart", "old");
                uuid = (await VshRun.OkAsync(virtd, "domuuid", "old")).Trim();
                await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
                var cursor = await virt.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);

                Assert.That(await VshRun.OkAsync(virtd, "domrename", "old", "new"), Is.EqualTo("Domain successfully renamed\n\n"));

                // libvirt's two events: the old name undefined (renamed), the new one defined (renamed).
                using var events = virt.Events.Subscribe(new SubscribeRequest { AfterSequence = cursor.LatestSequence }, cancellationToken: ct);
                var seen = new List<(string, DomainEventType, int)>();
                while (seen.Count < 2 && await events.ResponseStream.MoveNext(ct))
                {
                    if (events.ResponseStream.Current.Event?.DomainLifecycle is { } lifecycle)
                    {
                        seen.Add((lifecycle.Domain.Name, lifecycle.Type, lifecycle.Detail));
                    }
                }
                Assert.That(seen, Is.EqualTo(new[] { ("old", DomainEventType.Undefined, 1), ("new", DomainEventType.Defined, 2) }));

                var (code, _, errors) = await VshRun.RunAsync(virtd, "domrename", "new", "taken");
                Assert.That((code, errors), Is.EqualTo((1, "error: Requested operation is not valid: domain with name 'taken' already exists\n")));
                (code, _, errors) = await VshRun.RunAsync(virtd, "domrename", "new", "a/b");
                Assert.That((code, errors), Is.EqualTo((1, "error: Cannot rename domain 'new': The name 'a/b' contains '/'; allowed: 1 to 200 characters, no '/', no control characters, not starting with '.'.\n")));
                Assert.That(await virtd.StopAsync("KILL"), Is.Not.Zero);
            }

            await using var restarted = await VirtdProcess.StartAsync(state);
            // Autostart started it under its new name when virtd came back.
            Assert.That(await VshRun.OkAsync(restarted, "list", "--all", "--name"), Is.EqualTo("new\ntaken\n\n"));
            Assert.That((await VshRun.OkAsync(restarted, "domuuid", "new")).Trim(), Is.EqualTo(uuid));
            Assert.That(await VshRun.OkAsync(restarted, "domstate", "new"), Is.EqualTo("running\n\n"));
            Assert.That(await VshRun.OkAsync(restarted, "dumpxml", "new", "--inactive"), Does.Contain("<name>new</name>"));
            var (activeCode, _, activeErrors) = await VshRun.RunAsync(restarted, "domrename", "new", "newer");
            Assert.That((activeCode, activeErrors), Is.EqualTo((1, "error: Requested operation is not valid: cannot rename active domain\n")));
            await VshRun.OkAsync(restarted, "destroy", "new");
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }
}
