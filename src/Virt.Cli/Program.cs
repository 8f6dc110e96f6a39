namespace Virt.Cli;

internal static class Program
{
    // Replaced by the command tree (see README.md once it lands); exits like virsh given no usable command.
    public static int Main() => 1;
}
