"""absl launchers for the paper's experiments: `python -m experiments.<name>`."""
