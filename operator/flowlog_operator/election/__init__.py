"""Leader election on a ``coordination.k8s.io/v1`` Lease: its API client and the campaign/renew loops.

The rules (who may take the Lease, when a leader must stop) are pure and live in
``core.leadership``; this package does the I/O with httpx. It knows nothing of kopf: ``wiring`` turns
kopf's login into an httpx client and decides what to start once this process leads.
"""
