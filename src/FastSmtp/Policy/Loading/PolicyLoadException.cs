namespace FastSmtp.Policy.Loading;

/// <summary>A policy assembly the server will not run, and why (in one line an operator can act on).</summary>
public sealed class PolicyLoadException(string message, Exception? inner = null) : Exception(message, inner);
