using System.Collections.Frozen;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// Key codes of virsh send-key's code sets translated to QEMU's "qnum" numbering (XT scancode set 1, with the 0xe0
/// prefix folded into bit 7), which QMP send-key takes, as libvirt's virkeycode tables do for the keys of a PC keyboard.
/// </summary>
internal static class KeyCodes
{
    // Linux input codes whose XT scancode needs the 0xe0 prefix, or differs from the code (KEY_1..KEY_KPDOT and
    // KEY_F11/KEY_F12 equal their scancodes).
    private static readonly FrozenDictionary<uint, uint> _linuxExtended = new Dictionary<uint, uint>
    {
        [85] = 0x76, // KEY_ZENKAKUHANKAKU
        [86] = 0x56, // KEY_102ND
        [96] = 0x9c, // KEY_KPENTER
        [97] = 0x9d, // KEY_RIGHTCTRL
        [98] = 0xb5, // KEY_KPSLASH
        [99] = 0x54, // KEY_SYSRQ
        [100] = 0xb8, // KEY_RIGHTALT
        [102] = 0xc7, // KEY_HOME
        [103] = 0xc8, // KEY_UP
        [104] = 0xc9, // KEY_PAGEUP
        [105] = 0xcb, // KEY_LEFT
        [106] = 0xcd, // KEY_RIGHT
        [107] = 0xcf, // KEY_END
        [108] = 0xd0, // KEY_DOWN
        [109] = 0xd1, // KEY_PAGEDOWN
        [110] = 0xd2, // KEY_INSERT
        [111] = 0xd3, // KEY_DELETE
        [113] = 0xa0, // KEY_MUTE
        [114] = 0xae, // KEY_VOLUMEDOWN
        [115] = 0xb0, // KEY_VOLUMEUP
        [116] = 0xde, // KEY_POWER
        [117] = 0x59, // KEY_KPEQUAL
        [119] = 0xc6, // KEY_PAUSE
        [125] = 0xdb, // KEY_LEFTMETA
        [126] = 0xdc, // KEY_RIGHTMETA
        [127] = 0xdd, // KEY_COMPOSE
    }.ToFrozenDictionary();

    /// <summary>The qnum code of <paramref name="code"/> in <paramref name="set"/>.</summary>
    /// <exception cref="Virt.Driver.VirtException">INVALID_ARGUMENT for a code the set does not have, or a set without a translation here.</exception>
    public static uint ToQnum(KeycodeSet set, uint code)
    {
        uint? qnum = set switch
        {
            KeycodeSet.Linux => code is >= 1 and <= 83 or 87 or 88 ? code : _linuxExtended.TryGetValue(code, out var extended) ? extended : null,
            // XT and AT set 1 codes: one byte, or 0xe0 followed by one (written 0xe0NN).
            KeycodeSet.Xt or KeycodeSet.Atset1 => code is >= 1 and <= 0x7f ? code : (code & 0xff00) == 0xe000 && (code & 0x7f) != 0 ? 0x80 | (code & 0x7f) : null,
            KeycodeSet.Qnum => code is >= 1 and <= 0xff ? code : null,
            _ => throw ApiErrors.Unsupported("codeset", $"Operation not supported: code set {set} has no translation here; use linux, xt, atset1 or qnum"),
        };
        return qnum ?? throw ApiErrors.InvalidArgument("keycodes", $"invalid argument: key code {code} is not in code set {set.ToString().ToLowerInvariant()}");
    }
}
