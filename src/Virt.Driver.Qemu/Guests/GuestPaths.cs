namespace Virt.Driver.Qemu;

/// <summary>The files of one running guest (src/Virt.Vmm/README.md lists them).</summary>
internal sealed record GuestPaths(Guid Uuid, QemuDriverOptions Options)
{
    private string Id => Uuid.ToString("D");

    /// <summary>The worker's run state (key=value, written atomically by the worker).</summary>
    public string StateFile => Path.Combine(Options.GuestRunDirectory, Id + ".state");

    /// <summary>The live definition, written by virtd before the worker starts; what a restarted virtd runs on.</summary>
    public string LiveDefinitionName => Id;

    /// <summary>The run's start/create --autodestroy: the domain id it was given (QemuDomainDriver.Autodestroy.cs).</summary>
    public string AutodestroyMark => Path.Combine(Options.GuestRunDirectory, Id + ".autodestroy");

    public string ControlSocket => Path.Combine(Options.GuestRunDirectory, Id + ".vmm.sock");

    public string QmpSocket => Path.Combine(Options.GuestRunDirectory, Id + ".qmp.sock");

    public string ConsoleSocket => Path.Combine(Options.GuestRunDirectory, Id + ".console.sock");

    /// <summary>Sockets and files the guest's devices create (the argv builder's guest directory).</summary>
    public string GuestDirectory => Path.Combine(Options.GuestRunDirectory, Id + ".d");

    public string LogFile => Path.Combine(Options.LogDirectory, Id + ".log");

    public string ConsoleLog => Path.Combine(Options.LogDirectory, Id + ".console.log");
}
