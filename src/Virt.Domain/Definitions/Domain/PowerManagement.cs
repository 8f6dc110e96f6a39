namespace Virt.Domain;

/// <summary>Guest suspend support (<c>&lt;pm&gt;</c>).</summary>
/// <param name="SuspendToMem">S3.</param>
/// <param name="SuspendToDisk">S4.</param>
public sealed record PowerManagement(bool? SuspendToMem, bool? SuspendToDisk);
