namespace FastSmtp.Generators.Model;

/// <summary>A policy file's name, path and content: the unit the pipeline caches on.</summary>
internal sealed record PolicyFileText(string FileName, string FilePath, string Content);
