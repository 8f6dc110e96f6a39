using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace Virt.Cli.Output.Tests;

/// <summary>Writes minimal test-driver domain XML files with a UUID derived from the name, so rows can be typed.</summary>
internal static class DomainXml
{
    public static string UuidFor(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name))[..16];
        return new Guid(hash, bigEndian: true).ToString("D");
    }

    /// <summary>The path of a fresh XML file for domain <paramref name="name"/>, with an optional title.</summary>
    public static string Write(string name, string? title)
    {
        var dir = Path.Combine(TestContext.CurrentContext.WorkDirectory, "domain-xml");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, UuidFor(name) + ".xml");
        var titleXml = title is null ? "" : $"<title>{SecurityElement.Escape(title)}</title>";
        File.WriteAllText(
            path,
            $"<domain type='test'><name>{SecurityElement.Escape(name)}</name><uuid>{UuidFor(name)}</uuid>{titleXml}" +
            "<memory>1024</memory><os><type>hvm</type></os></domain>\n",
            new UTF8Encoding(false));
        return path;
    }
}
