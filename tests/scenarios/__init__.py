"""One list of dialog scenarios, run on every channel through a channel-neutral driver."""
