using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Virt.Rpc.Server")]
[assembly: InternalsVisibleTo("Virt.Rpc.Tests")]
