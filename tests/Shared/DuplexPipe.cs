using System.IO.Pipelines;

namespace FastSmtp.Testing;

/// <summary>Two pipe ends as one connection, standing in for Kestrel's socket transport.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input => input;

    public PipeWriter Output => output;
}
