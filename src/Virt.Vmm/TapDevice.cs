using System.Runtime.InteropServices;
using System.Text;
using Virt.Qemu.CommandLine;

namespace Virt.Vmm;

/// <summary>
/// A tap the worker creates for a guest NIC before QEMU starts (libvirt's virNetDevTapCreateInBridgePort): created
/// with its exact name (never an existing one), given its MAC and MTU, joined to its bridge and brought up, then passed
/// to QEMU as inherited fds. The tap is not persistent: once the worker has closed its copies after the spawn, QEMU
/// holds the only ones, so the tap goes when QEMU does (a destroy, a crash, a SIGKILL) and nothing is left to clean up.
/// </summary>
internal sealed partial class TapDevice : IDisposable
{
    private const string CloneDevice = "/dev/net/tun";
    private const int ORdWr = 2;
    private const int AfUnix = 1;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    private const uint TunSetIff = 0x400454ca;
    private const uint SiocGIfFlags = 0x8913;
    private const uint SiocSIfFlags = 0x8914;
    private const uint SiocGIfMtu = 0x8921;
    private const uint SiocSIfMtu = 0x8922;
    private const uint SiocSIfHwAddr = 0x8924;
    private const uint SiocGIfIndex = 0x8933;
    private const uint SiocBrAddIf = 0x89a2;
    private const short IffUp = 0x1;
    private const short IffTap = 0x0002;
    private const short IffMultiQueue = 0x0100;
    private const short IffNoPi = 0x1000;
    private const short IffVnetHdr = 0x4000;
    private const short IffTunExcl = unchecked((short)0x8000);
    private const ushort ArphrdEther = 1;
    private const int EBusy = 16;
    private const int IfNameSize = 16;

    // struct ifreq: the name, then a 24-byte union (flags, index, MTU, hardware address).
    private const int IfReqSize = 40;

    private readonly List<int> _fds = [];

    private TapDevice(string name) => Name = name;

    /// <summary>The tap's name.</summary>
    public string Name { get; }

    /// <summary>The fds QEMU inherits, one per queue.</summary>
    public IReadOnlyList<int> Fds => _fds;

    /// <summary>
    /// Creates every tap of <paramref name="taps"/> and rewrites its <c>-netdev</c> in <paramref name="argv"/> to pass
    /// the fds; on a failure the taps already made are closed (and so gone) before the exception leaves.
    /// </summary>
    /// <exception cref="IOException">A tap could not be made or configured, or the argv does not open it.</exception>
    public static IReadOnlyList<TapDevice> CreateAll(IEnumerable<Protocol.TapDevice> taps, List<string> argv)
    {
        var created = new List<TapDevice>();
        try
        {
            foreach (var spec in taps)
            {
                var tap = Create(spec);
                created.Add(tap);
                if (!TapArgv.WithFds(argv, spec.Name, tap.Fds))
                {
                    throw new IOException($"the QEMU command line opens no tap named '{spec.Name}'");
                }
            }
            return created;
        }
        catch
        {
            created.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static TapDevice Create(Protocol.TapDevice spec)
    {
        if (spec.Name.Length is 0 or >= IfNameSize)
        {
            throw new IOException($"cannot create tap '{spec.Name}': a network interface name has 1 to {IfNameSize - 1} bytes");
        }
        var tap = new TapDevice(spec.Name);
        try
        {
            var queues = Math.Max(1, (int)spec.Queues);
            var flags = (short)(IffTap | IffNoPi | (spec.VnetHdr ? IffVnetHdr : 0) | (queues > 1 ? IffMultiQueue : 0));
            for (var queue = 0; queue < queues; queue++)
            {
                // The first open creates the tap and must not find one (IFF_TUN_EXCL); the others attach queues to it.
                tap._fds.Add(OpenQueue(spec.Name, queue == 0 ? (short)(flags | IffTunExcl) : flags));
            }
            tap.Configure(spec);
            return tap;
        }
        catch
        {
            tap.Dispose();
            throw;
        }
    }

    /// <summary>One queue's fd, inherited by QEMU (no close-on-exec).</summary>
    private static unsafe int OpenQueue(string name, short flags)
    {
        var fd = OpenCall(CloneDevice, ORdWr);
        if (fd < 0)
        {
            throw Failure($"cannot open {CloneDevice} for tap '{name}'", Marshal.GetLastPInvokeError());
        }
        var request = stackalloc byte[IfReqSize];
        Request(request, name);
        *(short*)(request + IfNameSize) = flags;
        if (IoctlCall(fd, TunSetIff, request) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = CloseCall(fd);
            throw errno == EBusy && (flags & IffTunExcl) != 0
                ? new IOException($"cannot create tap '{name}': a network interface of that name already exists")
                : Failure($"cannot create tap '{name}' (TUNSETIFF)", errno);
        }
        return fd;
    }

    private unsafe void Configure(Protocol.TapDevice spec)
    {
        var control = SocketCall(AfUnix, SockDgram | SockCloexec, 0);
        if (control < 0)
        {
            throw Failure("cannot open a socket for interface ioctls", Marshal.GetLastPInvokeError());
        }
        try
        {
            var request = stackalloc byte[IfReqSize];
            if (spec.Mac.Length > 0)
            {
                Request(request, Name);
                *(ushort*)(request + IfNameSize) = ArphrdEther;
                ParseMac(spec.Mac).CopyTo(new Span<byte>(request + IfNameSize + 2, 6));
                Interface(control, SiocSIfHwAddr, request, $"set the MAC address {spec.Mac} of tap '{Name}'");
            }
            var mtu = (int)spec.Mtu;
            if (mtu == 0 && spec.Bridge.Length > 0)
            {
                // libvirt gives the tap its bridge's MTU unless the definition names one.
                Request(request, spec.Bridge);
                Interface(control, SiocGIfMtu, request, $"read the MTU of bridge '{spec.Bridge}'");
                mtu = *(int*)(request + IfNameSize);
            }
            if (mtu > 0)
            {
                Request(request, Name);
                *(int*)(request + IfNameSize) = mtu;
                Interface(control, SiocSIfMtu, request, $"set the MTU {mtu} of tap '{Name}'");
            }
            if (spec.Bridge.Length > 0)
            {
                Request(request, Name);
                Interface(control, SiocGIfIndex, request, $"find the index of tap '{Name}'");
                var index = *(int*)(request + IfNameSize);
                Request(request, spec.Bridge);
                *(int*)(request + IfNameSize) = index;
                Interface(control, SiocBrAddIf, request, $"add tap '{Name}' to bridge '{spec.Bridge}'");
            }
            Request(request, Name);
            Interface(control, SiocGIfFlags, request, $"read the flags of tap '{Name}'");
            *(short*)(request + IfNameSize) |= IffUp;
            Interface(control, SiocSIfFlags, request, $"bring tap '{Name}' up");
        }
        finally
        {
            _ = CloseCall(control);
        }
    }

    private static unsafe void Interface(int control, uint command, byte* request, string what)
    {
        if (IoctlCall(control, command, request) < 0)
        {
            throw Failure("cannot " + what, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Clears <paramref name="request"/> and names the interface in it.</summary>
    private static unsafe void Request(byte* request, string name)
    {
        new Span<byte>(request, IfReqSize).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(request, IfNameSize - 1));
    }

    private static byte[] ParseMac(string mac) =>
        mac.Split(':') is { Length: 6 } parts
            ? parts.Select(p => Convert.ToByte(p, 16)).ToArray()
            : throw new IOException($"'{mac}' is not a MAC address (six hexadecimal pairs separated by ':')");

    private static IOException Failure(string what, int errno) => new($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");

    /// <summary>Closes the worker's copies: after the spawn QEMU holds its own, and before it, this removes the tap.</summary>
    public void Dispose()
    {
        foreach (var fd in _fds)
        {
            _ = CloseCall(fd);
        }
        _fds.Clear();
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCall(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlCall(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketCall(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseCall(int fd);
}
