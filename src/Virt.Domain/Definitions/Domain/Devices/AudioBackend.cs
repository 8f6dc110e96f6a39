namespace Virt.Domain;

/// <summary>An audio backend (<c>&lt;audio&gt;</c>).</summary>
/// <param name="Id">Backend id.</param>
/// <param name="Type">Backend type (none, spice, pulseaudio, alsa, …), as written.</param>
public sealed record AudioBackend(uint Id, string Type);
