"""flowlog-operator: Alibaba Cloud VPC Flow Logs as Kubernetes objects, and an emulator of their API."""

__version__ = "0.1.0"
