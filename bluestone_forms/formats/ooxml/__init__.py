"""Office Open XML, raw, in one place: packages, relationships, WordprocessingML,
SpreadsheetML parts, cell references and safe cell values."""
