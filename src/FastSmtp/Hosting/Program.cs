using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using FastSmtp.Delivery;
using FastSmtp.Metrics;
using FastSmtp.Policy.Loading;
using FastSmtp.Queue;
using FastSmtp.Routing;
using FastSmtp.Session;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using SessionOptions = FastSmtp.Session.SessionOptions;

namespace FastSmtp.Hosting;

/// <summary>Entry point: `FastSmtp [command] [options]`.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // ICU is loaded for UTS #46 domain mapping only: numbers, dates and case in logs and
        // replies stay the same whatever LANG the service runs under.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

        if (args is ["--version"])
        {
            await Console.Out.WriteLineAsync("FastSmtp " + Version);
            return 0;
        }

        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            switch (args)
            {
                case ["policy", "check", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.PolicyCheck) : PolicyCommands.Check(rest, Console.Out, Console.Error);
                case ["policy", "reload", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.PolicyReload) : await PolicyCommands.ReloadAsync(rest, Console.Out, Console.Error);
                case ["policy", "explain", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.PolicyExplain) : await PolicyCommands.ExplainAsync(rest, Console.Out, Console.Error);
                case ["queue", "list", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.QueueList) : QueueCommands.List(rest, Console.Out, Console.Error);
                case ["queue", "flush", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.QueueFlush) : await QueueCommands.FlushAsync(rest, Console.Out, Console.Error);
                case ["queue", "show", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.QueueShow) : QueueCommands.Show(rest, Console.Out, Console.Error);
                case ["queue", "hold", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.QueueHold) : await QueueCommands.ChangeAsync(QueueAction.Hold, rest, Console.Out, Console.Error);
                case ["queue", "release", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.QueueRelease) : await QueueCommands.ChangeAsync(QueueAction.Release, rest, Console.Out, Console.Error);
                case ["queue", "delete", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.QueueDelete) : await QueueCommands.ChangeAsync(QueueAction.Delete, rest, Console.Out, Console.Error);
                case ["hash-password", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.HashPassword) : PolicyCommands.HashPassword(rest, Console.In, Console.Out, Console.Error);
                case ["config", "show", .. var rest]:
                    return CommandUsage.AsksForHelp(rest) ? Usage(CommandUsage.ConfigShow) : ConfigCommands.Show(rest, Console.Out, Console.Error);
                case ["serve", ..]:
                    args = args[1..];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"fastsmtp: unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}' (commands: serve, policy check, policy explain, policy reload, hash-password, queue list, queue show, queue flush, queue hold, queue release, queue delete, config show; FastSmtp --help)");
                    return 2;
            }
        }

        if (CommandUsage.AsksForHelp(args))
        {
            CommandLineSwitches.WriteHelp(Console.Out);
            return 0;
        }

        using var output = new BufferedStandardOutput();
        WebApplication app;
        List<ListenOptions> listeners = [];
        try
        {
            app = Build(args, listeners);
        }
        catch (OptionsValidationException exception)
        {
            await Console.Error.WriteLineAsync("fastsmtp: " + string.Join("; ", exception.Failures));
            return 2;
        }

        ActivePolicy policy;
        try
        {
            policy = app.Services.GetRequiredService<ActivePolicy>();
        }
        catch (PolicyLoadException exception)
        {
            await Console.Error.WriteLineAsync("fastsmtp: cannot load the policy: " + exception.Message);
            await app.DisposeAsync();
            return 1;
        }

        SmtpMetrics.ObservePolicy(() => policy.Current.Identity.Hash);

        SpoolLock? spoolLock = null;
        try
        {
            // One server per spool; a queue command changing a stopped server's spool takes the
            // same lock.
            string spoolDirectory = Path.GetFullPath(app.Services.GetRequiredService<IOptions<SmtpServerOptions>>().Value.Spool);
            spoolLock = SpoolLock.TryAcquire(spoolDirectory)
                ?? throw new IOException($"another process uses {spoolDirectory} (it holds {Path.Combine(spoolDirectory, SpoolLock.FileName)}): one FastSmtp server per spool");

            // Open the spool before listening: an unusable spool is a start-up error, not a
            // surprise for the first client.
            Spool spool = app.Services.GetRequiredService<Spool>();
            SmtpMetrics.ObserveQueue(spool.QueueSnapshot);
            SmtpMetrics.ObserveSpool(() => spool.Fault is null);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync("fastsmtp: cannot open the spool: " + exception.Message);
            await app.DisposeAsync();
            return 1;
        }

        try
        {
            await app.StartAsync();
        }
        catch (IOException exception)
        {
            // Most often "address already in use": say so in one line, not a stack trace.
            await Console.Error.WriteLineAsync("fastsmtp: " + exception.Message);
            await app.DisposeAsync();
            return 1;
        }

        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FastSmtp");
        SmtpServerContext server = app.Services.GetRequiredService<SmtpServerContext>();
        HostingLog.PolicyLoaded(logger, policy.Current.Identity.ToString(), policy.Loaded.Path);
        if (policy.Current.Relay == Policy.RelayMode.Anyone)
        {
            HostingLog.OpenRelay(logger);
        }

        // SIGHUP reloads the policy and the TLS certificate, as `policy reload` does.
        ServerReload reload = app.Services.GetRequiredService<ServerReload>();
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            signal.Cancel = true;
            _ = Task.Run(() => reload.Reload(null));
        });

        foreach (ListenOptions listener in listeners)
        {
            // After start Kestrel has put the bound port (for port 0) into the endpoint.
            string endpoint = listener.EndPoint is FileHandleEndPoint handle
                ? string.Create(CultureInfo.InvariantCulture, $"systemd socket (fd {handle.FileHandle})")
                : listener.IPEndPoint!.ToString();
            HostingLog.Listening(logger, server.Hostname, endpoint, Path.GetFullPath(app.Services.GetRequiredService<Spool>().Directory));
        }

        if (app.Services.GetRequiredService<MetricsEndpoint>().Listener is { } metricsListener)
        {
            HostingLog.MetricsListening(logger, metricsListener.IPEndPoint!.ToString());
        }

        if (server.Options.Drain)
        {
            HostingLog.Draining(logger);
        }

        if (!Policy.InternationalDomain.MappingAvailable)
        {
            HostingLog.NoIcu(logger);
        }

        if (server.MaxConnections < server.Options.MaxConnections)
        {
            HostingLog.DescriptorLimit(logger, DescriptorBudget.SoftLimit(), server.MaxConnections, server.Options.MaxConnections);
        }

        await app.WaitForShutdownAsync();
        Spool stopped = app.Services.GetRequiredService<Spool>();
        HostingLog.Stopped(logger, stopped.CommittedMessages, stopped.CommittedBatches);
        await app.DisposeAsync();
        spoolLock.Dispose();
        return 0;
    }

    /// <summary>
    /// /healthz: 200 "ok" while the server accepts mail; 503 with the reason while it stops,
    /// drains or cannot write its spool ("spool full", or "spool error: " and the error), so a load balancer's HTTP check takes it out.
    /// </summary>
    private static IResult Health(SmtpServerContext server, Spool spool, IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStopping.IsCancellationRequested ? Results.Text("stopping\n", statusCode: 503)
        : server.Options.Drain ? Results.Text("draining\n", statusCode: 503)
        : spool.Fault is { } fault ? Results.Text(fault.Summary + "\n", statusCode: 503)
        : Results.Text("ok\n");

    /// <summary>--dns ADDR[:PORT], port 53 when none is given; null for the system's resolver.</summary>
    internal static IPEndPoint? DnsServer(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        IPEndPoint endpoint = IPEndPoint.Parse(value);
        return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
    }

    /// <summary>The server's version, as its assembly carries it.</summary>
    public static string Version =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Program).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static int Usage(string usage)
    {
        Console.Out.WriteLine(usage);
        return 0;
    }

    /// <summary>
    /// The server's configuration from its arguments: appsettings.json beside the binary (or the
    /// --config file), FASTSMTP_ environment variables, then the flags, each later one winning.
    /// </summary>
    /// <exception cref="OptionsValidationException">An unknown option, a flag without its value, or a --config file that cannot be read.</exception>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        string[] arguments = CommandLineSwitches.Check(args, out string? configFile, out string? problem)
            ?? throw new OptionsValidationException("arguments", typeof(SmtpServerOptions), [problem!]);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = arguments,

            // appsettings.json is found beside the binary; relative paths (--spool) stay relative
            // to the working directory.
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (configFile is not null)
        {
            UseSettingsFile(builder.Configuration, Path.GetFullPath(configFile));
        }

        ((IConfigurationBuilder)builder.Configuration).Add(new FastSmtpEnvironmentVariablesSource());
        builder.Configuration.AddCommandLine(arguments, CommandLineSwitches.Mappings);
        return builder;
    }

    /// <summary>--config FILE: that file in place of appsettings.json, at the same precedence.</summary>
    private static void UseSettingsFile(ConfigurationManager configuration, string file)
    {
        if (!File.Exists(file))
        {
            throw new OptionsValidationException("--config", typeof(SmtpServerOptions), [$"--config {file}: no such file"]);
        }

        IList<IConfigurationSource> sources = ((IConfigurationBuilder)configuration).Sources;
        int first = sources.Count;
        for (int i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource)
            {
                first = i;
                sources.RemoveAt(i);
            }
        }

        var settings = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = Path.GetFileName(file), Optional = false, ReloadOnChange = false };
        settings.FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(file)!);
        try
        {
            sources.Insert(Math.Min(first, sources.Count), settings);
        }
        catch (Exception exception) when (exception is InvalidDataException or FormatException or IOException)
        {
            throw new OptionsValidationException("--config", typeof(SmtpServerOptions), [$"--config {file}: {exception.Message}"]);
        }
    }

    /// <param name="replaceServices">Lets a bench-only host swap a service (the null message store of bench/load).</param>
    public static WebApplication Build(string[] args, List<ListenOptions> listeners, Action<IServiceCollection>? replaceServices = null)
    {
        var metricsHolder = new MetricsEndpoint();
        WebApplicationBuilder builder = CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddProvider(new LineLoggerProvider(json: string.Equals(builder.Configuration[$"{SmtpServerOptions.SectionName}:{nameof(SmtpServerOptions.LogFormat)}"], "json", StringComparison.OrdinalIgnoreCase)));

        // One configuration section, bound once per layer: each takes only its own settings.
        IConfigurationSection settings = builder.Configuration.GetSection(SmtpServerOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<SmtpServerOptions>, RelaySecurityValidation>();
        builder.Services.AddOptions<SmtpServerOptions>()
            .Bind(settings)
            .Validate(o => ListenEndpoints.TryParse(o.Listen, out _, out _), "--listen must be ADDR:PORT[,ADDR:PORT...], for example 127.0.0.1:2525 or [::1]:2525")
            .Validate(o => o.SpoolSegmentSize >= 4096, "--spool-segment-size must be at least 4096 bytes")
            .Validate(o => string.IsNullOrEmpty(o.Dns) || IPEndPoint.TryParse(o.Dns, out _), "--dns must be ADDR[:PORT], for example 127.0.0.1:53")
            .Validate(o => o.LogFormat is "text" or "json", "--log-format must be text or json")
            .Validate(o => string.IsNullOrEmpty(o.Metrics) || IPEndPoint.TryParse(o.Metrics, out _), "--metrics must be ADDR:PORT, for example 127.0.0.1:9325")
            .Validate(o => string.IsNullOrEmpty(o.Smarthost) || MailRouter.SplitHostPort(o.Smarthost) is { Host.Length: > 0, Port: > 0 and < 65536 }, "--smarthost must be HOST:PORT")
            .Validate(o => o.MxPort is > 0 and < 65536, "--mx-port must be a TCP port")
            .ValidateOnStart();
        builder.Services.AddOptions<SessionOptions>()
            .Bind(settings)
            .Validate(o => o.MaxMessageSize > 0, "--max-message-size must be a positive number of bytes")
            .Validate(o => o.MaxRecipients > 0, "--max-recipients must be positive")
            .Validate(o => o.MaxConnections > 0, "--max-connections must be positive")
            .Validate(o => o.MaxSessionsPerClient >= 0 && o.MaxConnectionsPerMinute >= 0 && o.MaxMessagesPerMinute >= 0 && o.MaxRecipientsPerMinute >= 0 && o.MinDataRate >= 0,
                "--max-sessions-per-client, --max-connections-per-minute, --max-messages-per-minute, --max-recipients-per-minute and --min-data-rate must be 0 (off) or positive")
            .Validate(o => o.InflowDelayBacklog >= 0 && o.InflowDelay >= TimeSpan.Zero && o.InflowDelay <= TimeSpan.FromMinutes(1), "--inflow-delay-backlog must be 0 (off) or positive, --inflow-delay between 0 and 00:01:00")
            .Validate(o => SmtpServerContext.ParseProxyPeers(o.ProxyProtocolFrom, out string? bad) is { } && bad is null, "--proxy-protocol-from must be IP or IP/PREFIX, comma-separated, for example 10.0.0.5,10.1.0.0/16")
            .Validate(o => o.ProxyProtocolTimeout > TimeSpan.Zero, "--proxy-protocol-timeout must be positive")
            .Validate(o => string.IsNullOrEmpty(o.TlsCert) == string.IsNullOrEmpty(o.TlsKey), "--tls-cert and --tls-key go together")
            .Validate(o => string.IsNullOrEmpty(o.TlsCert) || (File.Exists(o.TlsCert) && File.Exists(o.TlsKey)), "--tls-cert or --tls-key names a file that does not exist")
            .ValidateOnStart();
        builder.Services.AddOptions<DeliveryOptions>()
            .Bind(settings)
            .Validate(o => o.DeliveryConcurrency > 0 && o.DestinationConcurrency > 0 && o.RelayConcurrency > 0, "--delivery-concurrency, --destination-concurrency and --relay-concurrency must be positive")

            // Next hops are greeted with the name the server greets its clients with.
            .PostConfigure<IOptions<SessionOptions>, ActivePolicy>((o, session, policy) => o.HeloName = SmtpServerContext.ChooseHostname(session.Value, policy.Current))
            .ValidateOnStart();

        builder.Services.AddSingleton(sp =>
        {
            SmtpServerOptions o = sp.GetRequiredService<IOptions<SmtpServerOptions>>().Value;
            return new Spool(o.Spool, sp.GetRequiredService<ILogger<Spool>>(), o.SpoolSegmentSize);
        });
        builder.Services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<Spool>());
        builder.Services.AddSingleton(sp => new DnsResolver(DnsServer(sp.GetRequiredService<IOptions<SmtpServerOptions>>().Value.Dns)));
        builder.Services.AddSingleton(sp =>
        {
            SmtpServerOptions o = sp.GetRequiredService<IOptions<SmtpServerOptions>>().Value;
            return new MailRouter(sp.GetRequiredService<DnsResolver>(), string.IsNullOrWhiteSpace(o.Smarthost) ? null : o.Smarthost, o.MxPort, o.ReadRelaySecurity(out _));
        });
        builder.Services.AddSingleton<DeliveryAgent>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryAgent>());
        builder.Services.AddHostedService<QueueControl>();
        builder.Services.AddSingleton<Policy.AutoDenyList>();
        builder.Services.AddSingleton<AuthFailureThrottle>();
        builder.Services.AddSingleton(sp =>
        {
            string? path = sp.GetRequiredService<IOptions<SmtpServerOptions>>().Value.Policy;
            return new ActivePolicy(PolicyAssemblyLoader.Load(string.IsNullOrWhiteSpace(path) ? PolicyAssemblyLoader.DefaultPath : path));
        });
        builder.Services.AddSingleton(sp =>
        {
            IOptions<SessionOptions> session = sp.GetRequiredService<IOptions<SessionOptions>>();
            return new SmtpServerContext(
                session, sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<ILoggerFactory>(),
                sp.GetRequiredService<ActivePolicy>(), sp.GetRequiredService<Policy.AutoDenyList>(), sp.GetRequiredService<AuthFailureThrottle>(),
                sp.GetRequiredService<MailRouter>(), sp.GetRequiredService<DnsResolver>())
            {
                MaxConnections = DescriptorBudget.Connections(session.Value.MaxConnections, sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.DeliveryConcurrency),
            };
        });
        builder.Services.AddSingleton<ServerReload>();
        builder.Services.AddSingleton<ObjectPool<SmtpSession>>(sp =>
            new DefaultObjectPool<SmtpSession>(new SessionPoolPolicy(sp.GetRequiredService<SmtpServerContext>()), maximumRetained: 1024));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        // Under systemd (Type=notify): READY=1 once listening, STOPPING=1 on the way down; nothing elsewhere.
        builder.Services.AddSystemd();

        IReadOnlyList<int> systemdSockets = SystemdSockets.Take();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            string listen = context.Configuration[$"{SmtpServerOptions.SectionName}:{nameof(SmtpServerOptions.Listen)}"] ?? new SmtpServerOptions().Listen;
            if (!ListenEndpoints.TryParse(listen, out List<IPEndPoint> endpoints, out string? error))
            {
                throw new OptionsValidationException(nameof(SmtpServerOptions.Listen), typeof(SmtpServerOptions), [error!]);
            }

            void Smtp(ListenOptions listener)
            {
                listener.UseConnectionHandler<SmtpConnectionHandler>();
                listeners.Add(listener);
            }

            // Under a systemd socket unit the sockets come from it and --listen is not used.
            if (systemdSockets.Count > 0)
            {
                foreach (int descriptor in systemdSockets)
                {
                    kestrel.ListenHandle((ulong)descriptor, Smtp);
                }
            }
            else
            {
                foreach (IPEndPoint endpoint in endpoints)
                {
                    kestrel.Listen(endpoint, Smtp);
                }
            }

            // The only listener that speaks HTTP: SMTP listeners hand their connections to the
            // SMTP handler and never reach the endpoints mapped below.
            string? metrics = context.Configuration[$"{SmtpServerOptions.SectionName}:{nameof(SmtpServerOptions.Metrics)}"];
            if (!string.IsNullOrWhiteSpace(metrics) && IPEndPoint.TryParse(metrics, out IPEndPoint? metricsEndpoint))
            {
                kestrel.Listen(metricsEndpoint, listener =>
                {
                    listener.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                    metricsHolder.Listener = listener;
                });
            }
        });

        builder.Services.AddSingleton(metricsHolder);
        bool exportMetrics = !string.IsNullOrWhiteSpace(builder.Configuration[$"{SmtpServerOptions.SectionName}:{nameof(SmtpServerOptions.Metrics)}"]);
        if (exportMetrics)
        {
            // Only then does anything listen to the instruments; otherwise each costs one branch.
            builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("fastsmtp")).WithMetrics(metrics => metrics.AddMeter(SmtpMetrics.MeterName).AddPrometheusExporter());
        }

        replaceServices?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        if (exportMetrics)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
            app.MapGet("/healthz", Health);
        }

        return app;
    }
}
