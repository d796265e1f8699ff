using System.Net;
using System.Net.Sockets;

namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// A DNS server in the test process, on a loopback UDP port, that answers every question at once
/// with REFUSED (RCODE 5) in the real wire format. Servers started by the tests use it unless a
/// test gives its own --dns: remote mail is then deferred (a temporary DNS failure) and the
/// DNS rules of the policy find nothing, without waiting for timeouts and without leaving loopback.
/// </summary>
internal static class RefusingDnsServer
{
    private static readonly Lazy<UdpClient> s_socket = new(Start);

    public static string Endpoint => s_socket.Value.Client.LocalEndPoint!.ToString()!;

    private static UdpClient Start()
    {
        var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        _ = Task.Run(async () =>
        {
            while (true)
            {
                UdpReceiveResult query;
                try
                {
                    query = await socket.ReceiveAsync();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }

                if (query.Buffer.Length < 12)
                {
                    continue;
                }

                // Same id and question; QR=1, opcode and RD copied, RA=1, RCODE=5; no records.
                byte[] answer = query.Buffer.ToArray();
                answer[2] = (byte)(0x80 | (answer[2] & 0x79));
                answer[3] = 0x85;
                answer[6] = answer[7] = answer[8] = answer[9] = answer[10] = answer[11] = 0;
                await socket.SendAsync(answer, query.RemoteEndPoint);
            }
        });
        return socket;
    }
}
