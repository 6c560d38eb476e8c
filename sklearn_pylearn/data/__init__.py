"""Named-field datasets and minibatch iteration (later issues)."""
