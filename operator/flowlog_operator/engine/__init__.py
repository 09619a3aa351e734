"""The reconcile loop: observe the cloud, decide with ``core``, act at most once, report."""
