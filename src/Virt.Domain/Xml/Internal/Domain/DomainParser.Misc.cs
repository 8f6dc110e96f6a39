namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Redirection, watchdog, balloon, RNG and panic devices.</summary>
internal sealed partial class DomainParser
{
    private static RedirDevice RedirDev(ElementReader redir)
    {
        var bus = redir.Attr("bus") ?? "usb";
        if (bus != "usb")
        {
            throw redir.Error(DefinitionErrorReason.InvalidValue, $"'{bus}' is not a redirection bus", bus, "bus", "usb");
        }
        var type = redir.RequiredEnum("type", DomainXmlNames.CharDeviceType);
        if (type is not (CharDeviceType.Spicevmc or CharDeviceType.Tcp))
        {
            throw redir.Error(DefinitionErrorReason.InvalidValue, $"'{DomainXmlNames.CharDeviceType.ToXml(type)}' USB redirection is not supported", DomainXmlNames.CharDeviceType.ToXml(type), "type", "spicevmc, tcp");
        }
        var (source, _) = CharSourceAndProtocol(redir, type);
        var result = new RedirDevice(type, source, Alias(redir), Address(redir));
        redir.Done();
        return result;
    }

    private static Watchdog Watchdog(ElementReader watchdog)
    {
        var result = new Watchdog(
            watchdog.RequiredEnum("model", DomainXmlNames.WatchdogModel),
            watchdog.Enum("action", DomainXmlNames.WatchdogAction) ?? WatchdogAction.Reset,
            Alias(watchdog),
            Address(watchdog));
        watchdog.Done();
        return result;
    }

    private static MemBalloon MemBalloon(ElementReader balloon)
    {
        uint? period = null;
        if (balloon.Child("stats") is { } stats)
        {
            period = stats.UInt32("period") ?? throw stats.Error(DefinitionErrorReason.MissingRequired, "The <stats> element needs a 'period' attribute", null, "period");
            stats.Done();
        }
        var result = new MemBalloon
        {
            Model = balloon.RequiredEnum("model", DomainXmlNames.MemBalloonModel),
            AutoDeflate = balloon.OnOff("autodeflate"),
            StatsPeriod = period,
            Alias = Alias(balloon),
            Address = Address(balloon),
        };
        balloon.Done();
        return result;
    }

    private static RngDevice Rng(ElementReader rng)
    {
        uint? rateBytes = null;
        uint? ratePeriod = null;
        if (rng.Child("rate") is { } rate)
        {
            rateBytes = rate.UInt32("bytes") ?? throw rate.Error(DefinitionErrorReason.MissingRequired, "The <rate> element needs a 'bytes' attribute", null, "bytes");
            ratePeriod = rate.UInt32("period");
            rate.Done();
        }
        var backend = rng.RequiredChild("backend");
        var backendModel = backend.RequiredEnum("model", DomainXmlNames.RngBackendModel);
        string? path = null;
        CharDevice? egd = null;
        switch (backendModel)
        {
            case RngBackendModel.Random:
                var text = backend.Text();
                path = text.Length == 0 ? null : text;
                break;
            case RngBackendModel.Egd:
                var type = backend.RequiredEnum("type", DomainXmlNames.CharDeviceType);
                var (source, protocol) = CharSourceAndProtocol(backend, type);
                egd = new CharDevice { Type = type, Source = source, Protocol = protocol };
                break;
            default:
                break;
        }
        backend.Done();
        var result = new RngDevice
        {
            Model = rng.RequiredEnum("model", DomainXmlNames.RngModel),
            RateBytes = rateBytes,
            RatePeriod = ratePeriod,
            Backend = backendModel,
            BackendPath = path,
            EgdSource = egd,
            Alias = Alias(rng),
            Address = Address(rng),
        };
        rng.Done();
        return result;
    }

    private static PanicDevice Panic(ElementReader panic)
    {
        var result = new PanicDevice(panic.Enum("model", DomainXmlNames.PanicModel), Address(panic));
        panic.Done();
        return result;
    }
}
