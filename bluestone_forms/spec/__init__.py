"""The form model: a spec's classes, loading, checks, relevance, wording and numbering."""
