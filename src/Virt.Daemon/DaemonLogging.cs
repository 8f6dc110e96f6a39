using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Virt.Daemon;

/// <summary>Structured logs on stderr: one line per event, as text or JSON.</summary>
internal static class DaemonLogging
{
    public static ILoggerFactory Create(bool json, bool verbose) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        builder.AddFilter("Microsoft", LogLevel.Warning);
        // ASP.NET Core's hosting starts an Activity and a logging scope for every request whenever this category
        // is enabled at any level (it asks for Critical), only to log each request at Information, which the
        // filter above drops anyway: a few hundredths of a millisecond on every call for nothing.
        builder.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (json)
        {
            builder.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
    });
}
