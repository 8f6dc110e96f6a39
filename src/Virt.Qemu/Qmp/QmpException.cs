namespace Virt.Qemu.Qmp;

/// <summary>QEMU answered a command with an error.</summary>
public sealed class QmpException(string command, string errorClass, string description)
    : Exception($"QEMU refused '{command}': {description} ({errorClass})")
{
    /// <summary>The command that failed.</summary>
    public string Command { get; } = command;

    /// <summary>QMP's error class, e.g. <c>GenericError</c>, <c>CommandNotFound</c>, <c>DeviceNotFound</c>.</summary>
    public string ErrorClass { get; } = errorClass;

    /// <summary>QEMU's human-readable description.</summary>
    public string Description { get; } = description;
}

/// <summary>The monitor connection is gone (QEMU exited or closed it); commands in flight fail with this.</summary>
public sealed class QmpDisconnectedException(string message, Exception? inner = null) : IOException(message, inner);
