"""The store of a collation: its schema, engines and the rules that keep it whole."""
