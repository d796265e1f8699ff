using System.Net;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServerPeer;

// Usage: SmtpServerPeer PORT — listens on 127.0.0.1:PORT until SIGTERM, then prints how many messages it accepted.
int port = args.Length == 1 && int.TryParse(args[0], out int p) ? p : throw new ArgumentException("usage: SmtpServerPeer PORT");
ISmtpServerOptions options = new SmtpServerOptionsBuilder()
    .ServerName("smtpserver.bench.test")
    .MaxMessageSize(26_214_400)
    .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
    .Build();
var store = new NullMessageStore();
var services = new ServiceProvider();
services.Add(store);
var server = new SmtpServer.SmtpServer(options, services);
using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
Console.WriteLine($"SmtpServer peer listening on 127.0.0.1:{port}");
try
{
    await server.StartAsync(stop.Token);
}
catch (OperationCanceledException)
{
}

Console.WriteLine($"SmtpServer peer stopped: {store.Messages} messages accepted");
