namespace FastSmtp.Session;

/// <summary>Asynchronous work that stops buffer processing until it is done.</summary>
internal enum PendingAction : byte
{
    None,
    CommitMessage,
    StartTls,
    Authenticate,
    CheckRecipientDns,
    DelayInflow,
    Close,
}
