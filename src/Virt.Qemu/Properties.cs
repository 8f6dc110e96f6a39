using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Virt.Qemu.Tests")]
