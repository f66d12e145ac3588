"""What a collation gives back: figures, the workbook, the summary sheet and reports."""
