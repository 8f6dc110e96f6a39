namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Serial ports, parallel ports, consoles and channels.</summary>
internal sealed partial class DomainParser
{
    private static CharDevice CharDevice(ElementReader element, CharKind kind)
    {
        var type = element.Enum("type", DomainXmlNames.CharDeviceType) ?? CharDeviceType.Pty;
        if (kind == CharKind.Console)
        {
            // A live dumpxml repeats the pty path as 'tty'; it is derived from <source>, so it is not kept.
            element.Attr("tty");
        }
        var (source, protocol) = CharSourceAndProtocol(element, type);
        string? logFile = null;
        bool? logAppend = null;
        if (element.Child("log") is { } log)
        {
            logFile = log.NonEmptyAttr("file") ?? throw log.Error(DefinitionErrorReason.MissingRequired, "The <log> element needs a 'file' attribute", null, "file");
            logAppend = log.OnOff("append");
            log.Done();
        }
        var result = new CharDevice
        {
            Type = type,
            Source = source,
            Protocol = protocol,
            LogFile = logFile,
            LogAppend = logAppend,
            Target = element.Child("target") is { } t ? CharTarget(t, kind) : null,
            Alias = Alias(element),
            Address = Address(element),
        };
        if (kind == CharKind.Channel && result.Target?.Type is null)
        {
            throw element.Error(DefinitionErrorReason.MissingRequired, "A <channel> needs a <target type='…'>", null, allowed: string.Join(", ", DomainXmlNames.ChannelTargetType.Names));
        }
        element.Done();
        return result;
    }

    private static (CharSource? Source, CharProtocol? Protocol) CharSourceAndProtocol(ElementReader element, CharDeviceType type)
    {
        var s = element.Child("source");
        CharSource? source = null;
        if (s is not null)
        {
            source = type switch
            {
                CharDeviceType.Pty or CharDeviceType.Dev or CharDeviceType.Pipe => new CharSource { Path = s.NonEmptyAttr("path") },
                CharDeviceType.File => new CharSource { Path = s.NonEmptyAttr("path"), Append = s.OnOff("append") },
                CharDeviceType.Unix => new CharSource { Mode = s.Enum("mode", DomainXmlNames.CharSourceMode), Path = s.NonEmptyAttr("path") },
                CharDeviceType.Tcp => new CharSource
                {
                    Mode = s.Enum("mode", DomainXmlNames.CharSourceMode),
                    Host = s.NonEmptyAttr("host"),
                    Service = s.NonEmptyAttr("service"),
                    Tls = s.YesNo("tls"),
                },
                _ => throw s.Error(DefinitionErrorReason.UnknownElement, $"A {DomainXmlNames.CharDeviceType.ToXml(type)} character device takes no <source>", "source", allowed: "no <source> element"),
            };
            s.Done();
        }
        // A unix socket may omit its path: the hypervisor driver picks one under its run directory.
        var needsPath = type is CharDeviceType.Dev or CharDeviceType.File or CharDeviceType.Pipe;
        if (needsPath && source?.Path is null)
        {
            throw (s ?? element).Error(DefinitionErrorReason.MissingRequired, $"A {DomainXmlNames.CharDeviceType.ToXml(type)} character device needs <source path='…'>", null, s is null ? null : "path");
        }
        if (type == CharDeviceType.Tcp && source?.Service is null)
        {
            throw (s ?? element).Error(DefinitionErrorReason.MissingRequired, "A tcp character device needs <source service='…'>", null, s is null ? null : "service");
        }
        CharProtocol? protocol = null;
        if (type == CharDeviceType.Tcp)
        {
            // libvirt always writes the socket mode and the TCP protocol, defaulting to connect and raw.
            protocol = CharProtocol.Raw;
            if (element.Child("protocol") is { } p)
            {
                protocol = p.RequiredEnum("type", DomainXmlNames.CharProtocol);
                p.Done();
            }
        }
        if (type == CharDeviceType.Unix && source?.Path is null)
        {
            // libvirt forgets the mode of a unix source without a path; so do we, or output would not be stable.
            source = null;
        }
        if (source is not null && type is CharDeviceType.Tcp or CharDeviceType.Unix)
        {
            source = source with { Mode = source.Mode ?? CharSourceMode.Connect };
        }
        return (source, protocol);
    }

    private static CharTarget CharTarget(ElementReader target, CharKind kind)
    {
        CharTarget result;
        switch (kind)
        {
            case CharKind.Serial:
                var serialType = target.Enum("type", DomainXmlNames.SerialTargetType);
                string? modelName = null;
                if (target.Child("model") is { } model)
                {
                    modelName = model.NonEmptyAttr("name") ?? throw model.Error(DefinitionErrorReason.MissingRequired, "The serial target <model> needs a 'name' attribute", null, "name");
                    model.Done();
                }
                result = new CharTarget
                {
                    Type = serialType is null ? null : DomainXmlNames.SerialTargetType.ToXml(serialType.Value),
                    Port = target.UInt32("port"),
                    ModelName = modelName,
                };
                break;
            case CharKind.Console:
                var consoleType = target.Enum("type", DomainXmlNames.ConsoleTargetType);
                result = new CharTarget
                {
                    Type = consoleType is null ? null : DomainXmlNames.ConsoleTargetType.ToXml(consoleType.Value),
                    Port = target.UInt32("port"),
                };
                break;
            case CharKind.Parallel:
                result = new CharTarget { Port = target.UInt32("port") };
                break;
            default:
                var channelType = target.RequiredEnum("type", DomainXmlNames.ChannelTargetType);
                result = channelType == ChannelTargetType.Virtio
                    ? new CharTarget { Type = "virtio", Name = target.NonEmptyAttr("name"), State = target.NonEmptyAttr("state") }
                    : new CharTarget
                    {
                        Type = "guestfwd",
                        Address = target.NonEmptyAttr("address") ?? throw target.Error(DefinitionErrorReason.MissingRequired, "A guestfwd channel target needs an 'address' attribute", null, "address"),
                        Port = target.UInt32("port", 65535) ?? throw target.Error(DefinitionErrorReason.MissingRequired, "A guestfwd channel target needs a 'port' attribute", null, "port"),
                    };
                break;
        }
        target.Done();
        return result;
    }
}
