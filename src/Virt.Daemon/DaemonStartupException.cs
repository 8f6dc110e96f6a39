namespace Virt.Daemon;

/// <summary>virtd cannot start; the message says why and what to change.</summary>
internal sealed class DaemonStartupException(string message, Exception? inner = null) : Exception(message, inner);
