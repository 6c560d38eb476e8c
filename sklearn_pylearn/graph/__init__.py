"""The annotated layer graph for model surgery (later issues)."""
