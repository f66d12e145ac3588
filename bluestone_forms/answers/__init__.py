"""Answers: a form's answer slots, the value codec, records and their validation."""
