namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Input, graphics, sound, audio and video devices.</summary>
internal sealed partial class DomainParser
{
    private static InputDevice Input(ElementReader input)
    {
        var result = new InputDevice(input.RequiredEnum("type", DomainXmlNames.InputType), input.Enum("bus", DomainXmlNames.InputBus), Alias(input), Address(input));
        input.Done();
        return result;
    }

    private Graphics Graphics(ElementReader graphics)
    {
        var type = graphics.RequiredEnum("type", DomainXmlNames.GraphicsType);
        var port = graphics.Int32("port", -1, 65535);
        var autoPortAttribute = graphics.YesNo("autoport");
        int? tlsPort = null;
        if (type == GraphicsType.Spice)
        {
            tlsPort = graphics.Int32("tlsPort", -1, 65535);
        }
        // libvirt: a VNC display without a port, or with port -1, allocates one automatically; and an
        // automatic port is never stored in an inactive definition (a running guest's live one keeps the port the
        // driver allocated).
        var autoPort = autoPortAttribute ?? (type == GraphicsType.Vnc && (port is null || port == -1));
        if (port == -1)
        {
            autoPort = true;
        }
        if (autoPort && (!_options.Live || port is null or -1))
        {
            port = null;
        }
        if (autoPort && (!_options.Live || tlsPort is null or -1))
        {
            tlsPort = null;
        }
        var listenAttribute = graphics.NonEmptyAttr("listen");
        var socketAttribute = type == GraphicsType.Vnc ? graphics.NonEmptyAttr("socket") : null;
        var listens = graphics.Children("listen").Select(Listen).ToList();
        if (socketAttribute is not null)
        {
            if (listens.Count == 0)
            {
                listens.Add(new GraphicsListen(GraphicsListenType.Socket, null, null, socketAttribute));
            }
            else if (listens[0].Type != GraphicsListenType.Socket || listens[0].Socket != socketAttribute)
            {
                throw graphics.Error(DefinitionErrorReason.Conflict, $"The 'socket' attribute '{socketAttribute}' does not match the first <listen> socket", socketAttribute, "socket", "the same path as the first <listen type='socket'>");
            }
        }
        if (listens.Count == 0)
        {
            listens.Add(new GraphicsListen(GraphicsListenType.Address, listenAttribute, null, null));
        }
        else if (listenAttribute is not null && (listens[0].Type != GraphicsListenType.Address || listens[0].Address != listenAttribute))
        {
            throw graphics.Error(DefinitionErrorReason.Conflict, $"The 'listen' attribute '{listenAttribute}' does not match the first <listen> address", listenAttribute, "listen", "the same address as the first <listen type='address'>");
        }
        string? compression = null;
        if (type == GraphicsType.Spice && graphics.Child("image") is { } image)
        {
            compression = image.RequiredAttr("compression");
            if (compression is not ("auto_glz" or "auto_lz" or "quic" or "glz" or "lz" or "off"))
            {
                throw image.Error(DefinitionErrorReason.InvalidValue, $"'{compression}' is not a SPICE image compression", compression, "compression", "auto_glz, auto_lz, quic, glz, lz, off");
            }
            image.Done();
        }
        var result = new Graphics
        {
            Type = type,
            Port = port,
            AutoPort = autoPort,
            TlsPort = tlsPort,
            Keymap = graphics.NonEmptyAttr("keymap"),
            Password = graphics.Attr("passwd"),
            Listens = listens.ToValueList(),
            ImageCompression = compression,
        };
        graphics.Done();
        return result;
    }

    private static GraphicsListen Listen(ElementReader listen)
    {
        var type = listen.RequiredEnum("type", DomainXmlNames.GraphicsListenType);
        var result = type switch
        {
            GraphicsListenType.Address => new GraphicsListen(type, listen.NonEmptyAttr("address"), null, null),
            GraphicsListenType.Network => new GraphicsListen(type, listen.NonEmptyAttr("address"), listen.NonEmptyAttr("network") ?? throw listen.Error(DefinitionErrorReason.MissingRequired, "A network <listen> needs a 'network' attribute", null, "network"), null),
            GraphicsListenType.Socket => new GraphicsListen(type, null, null, listen.NonEmptyAttr("socket")),
            _ => new GraphicsListen(type, null, null, null),
        };
        listen.Done();
        return result;
    }

    private static SoundDevice Sound(ElementReader sound)
    {
        uint? audioId = null;
        if (sound.Child("audio") is { } audio)
        {
            audioId = audio.UInt32("id") ?? throw audio.Error(DefinitionErrorReason.MissingRequired, "The sound <audio> element needs an 'id' attribute", null, "id");
            audio.Done();
        }
        var result = new SoundDevice(sound.RequiredEnum("model", DomainXmlNames.SoundModel), audioId, Alias(sound), Address(sound));
        sound.Done();
        return result;
    }

    private static AudioBackend Audio(ElementReader audio)
    {
        var id = audio.UInt32("id") ?? throw audio.Error(DefinitionErrorReason.MissingRequired, "The <audio> element needs an 'id' attribute", null, "id");
        var type = audio.RequiredAttr("type");
        if (!DomainXmlNames.AudioTypes.Contains(type))
        {
            throw audio.Error(DefinitionErrorReason.InvalidValue, $"'{type}' is not a supported audio backend", type, "type", string.Join(", ", DomainXmlNames.AudioTypes));
        }
        audio.Done();
        return new AudioBackend(id, type);
    }

    private static Video Video(ElementReader video)
    {
        var model = video.RequiredChild("model");
        var result = new Video
        {
            Model = model.RequiredEnum("type", DomainXmlNames.VideoModel),
            Ram = model.UInt32("ram"),
            Vram = model.UInt32("vram"),
            Vgamem = model.UInt32("vgamem"),
            Heads = model.UInt32("heads", 16),
            Primary = model.YesNo("primary"),
        };
        model.Done();
        result = result with { Alias = Alias(video), Address = Address(video) };
        video.Done();
        return result;
    }
}
