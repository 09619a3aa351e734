"""kopf handlers and process start-up: the only layer that imports kopf."""
