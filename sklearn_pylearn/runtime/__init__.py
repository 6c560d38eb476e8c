"""Training programs, hooks and checkpoints; knows nothing of estimators or graphs."""
